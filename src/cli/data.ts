/** `l2m data`: collect datasets, import the original release, print dataset statistics. */
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { integer } from './options.ts';
import cliProgress from 'cli-progress';
import { setAssetDir } from '../envs/mujoco.ts';
import { resolveTasks } from '../envs/registry.ts';
import { ACTION_LABELS, AFTER_SUCCESS, collectPolicyKinds } from '../data/collect-policy.ts';
import { collectTasks } from '../data/collect-tasks.ts';
import '../rl/sac-collect.ts'; // registers --policy sac
import { saveDataset } from '../data/dataset.ts';
import { finalPath } from '../data/episode-writer.ts';
import { importRelease } from '../data/import.ts';
import { DEFAULT_NOISE_SCHEDULE, NOISE_PRESETS, parseNoiseSchedule } from '../data/noise-schedule.ts';
import { statsOf, type DatasetStats } from '../data/stats.ts';
import fs from 'node:fs';


const fmt = (x: number | undefined, digits = 1): string => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);

/** Columns of text, the first `left` of them left-aligned, the rest right-aligned. */
function textColumns(head: string[], rows: string[][], left: number): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

const taskLabel = (s: DatasetStats): string => s.task + (s.partial ? ' (unfinished)' : '');

/**
 * A plain-text table of dataset statistics; below it, for the DMControl datasets, their returns against
 * the original's data mean and their own mean (docs/data.md, "Data-normalised scores").
 */
export function formatStats(stats: DatasetStats[]): string {
  const head = ['task', 'domain', 'collector', 'episodes', 'transitions', 'return min', 'q25', 'median', 'q75', 'max', 'mean', 'success(last)', 'success(any)'];
  const rows = stats.map((s) => [
    taskLabel(s),
    s.domain,
    s.collector,
    String(s.episodes),
    String(s.transitions),
    fmt(s.returns.min),
    fmt(s.returns.q25),
    fmt(s.returns.median),
    fmt(s.returns.q75),
    fmt(s.returns.max),
    fmt(s.returns.mean),
    pct(s.successRate),
    pct(s.anySuccessRate),
  ]);
  const table = textColumns(head, rows, 3);
  const dmc = stats.filter((s) => s.dmcReference);
  return dmc.length ? `${table}\n\n${formatDmcReference(dmc)}` : table;
}

/** DMControl returns against R_data both ways: the original's data mean and the dataset's own mean. */
export function formatDmcReference(stats: DatasetStats[]): string {
  const head = ['DMControl task', 'episodes', 'return mean', 'median', 'min', 'max', 'original mean', 'ratio', 'R_random', 'score by original: mean', 'median', 'score by own: mean', 'median'];
  const rows = stats.map((s) => {
    const r = s.dmcReference!;
    return [
      taskLabel(s),
      String(s.episodes),
      fmt(s.returns.mean),
      fmt(s.returns.median),
      fmt(s.returns.min),
      fmt(s.returns.max),
      fmt(r.originalDataMean, 3),
      fmt(r.meanRatio, 3),
      fmt(r.random, 3),
      fmt(r.scoreByOriginal.mean, 3),
      fmt(r.scoreByOriginal.median, 3),
      fmt(r.scoreByOwn.mean, 3),
      fmt(r.scoreByOwn.median, 3),
    ];
  });
  const note = 'score = (R - R_random) / (R_data - R_random); by original: R_data = the original\'s data mean; by own: R_data = this dataset\'s mean (its mean score is 1); ratio = mean / original mean';
  return `${textColumns(head, rows, 1)}\n${note}`;
}

function collectCommand(): Command {
  return new Command('collect')
    .description('collect one dataset per task (<out>/<task>.npz) with a policy; every finished episode is committed, --resume continues')
    .requiredOption('--tasks <names>', 'tasks and sets, comma-separated (e.g. reach-v2,MT40,DMC10)')
    .option('--episodes <n>', 'episodes per task', integer(1))
    .option('--steps <n>', 'environment steps per task, a whole number of episodes (--policy sac: 100000 = 100 DMControl episodes); instead of --episodes', integer(1))
    .requiredOption('--out <dir>', 'output directory')
    .option('--policy <kind>', `collection policy: ${collectPolicyKinds().join(', ')} (auto: scripted expert where the task has one, else random)`, 'auto')
    .option('--noise-schedule <spec>', `scripted-expert noise schedule: a preset (${Object.keys(NOISE_PRESETS).join(', ')}), JSON knots, or a JSON file`, 'replay')
    .option('--labels <which>', `actions a noisy scripted expert's dataset stores: ${ACTION_LABELS.join(' or ')} (the expert's own action while the noisy one is executed: DART)`, 'executed')
    .option('--after-success <what>', `what a scripted expert does once the task reports success: ${AFTER_SUCCESS.join(' or ')} (hold: brake the hand and keep the gripper while the last step succeeded; continue: the expert acts throughout, as before)`, 'hold')
    .option('--seed <n>', 'run seed (episode seeds derive from it, the task and the episode index)', integer(0), 0)
    .option('--workers <n>', 'parallel worker processes (default: min(tasks, CPU cores)); --policy sac: environment worker threads (0: none)', integer(0))
    .option('--processes <n>', '--policy sac: processes to train the tasks in, each one batch of its share of the tasks with its share of the cores (default: min(tasks, CPU cores))', integer(1))
    .option('--sac-config <json|file>', '--policy sac: SAC hyper-parameters to override, e.g. \'{"hidden":[1024,1024],"batchSize":1024,"actorLr":1e-4}\' (src/rl/README.md)')
    .option('--max-steps <n>', 'steps per episode (default: the task\'s, 200 Meta-World, 1000 DMControl)', integer(1))
    .option('--resume', 'continue an interrupted collection with the same settings')
    .option('--force', 'overwrite existing datasets')
    .option('--assets <dir>', 'MuJoCo asset directory (holding metaworld/ and dm_control/)')
    .action(async (o) => {
      if (o.assets) setAssetDir(o.assets);
      if (o.resume && o.force) throw new Error('--resume and --force exclude each other');
      const tasks = await resolveTasks(o.tasks);
      const schedule = parseNoiseSchedule(o.noiseSchedule);
      if (!ACTION_LABELS.includes(o.labels)) throw new Error(`--labels must be one of ${ACTION_LABELS.join(', ')}, got '${o.labels}'`);
      if (!AFTER_SUCCESS.includes(o.afterSuccess)) throw new Error(`--after-success must be one of ${AFTER_SUCCESS.join(', ')}, got '${o.afterSuccess}'`);
      const kinds = collectPolicyKinds();
      if (!kinds.includes(o.policy)) throw new Error(`unknown --policy '${o.policy}' (known: ${kinds.join(', ')})`);
      if (o.policy === 'sac') return collectSac(tasks, o);
      if (o.steps !== undefined) throw new Error('--steps needs --policy sac (fixed-length episodes); give --episodes');
      if (o.sacConfig !== undefined) throw new Error('--sac-config needs --policy sac');
      if (o.processes !== undefined) throw new Error('--processes needs --policy sac (the other policies run --workers processes)');
      if (o.episodes === undefined) throw new Error("required option '--episodes <n>' not specified");
      if (o.workers === 0) throw new Error('--workers must be at least 1 (worker processes)');
      const workers = Math.max(1, Math.min(o.workers ?? os.availableParallelism(), tasks.length));
      fs.mkdirSync(o.out, { recursive: true });

      let stopRequested = false;
      const onSigint = (): void => {
        if (stopRequested) process.exit(130);
        stopRequested = true;
        process.stderr.write('\nl2m: stopping after the current episodes (Ctrl-C again to quit now); continue later with --resume\n');
      };
      process.on('SIGINT', onSigint);

      const tty = process.stderr.isTTY;
      const multibar = tty
        ? new cliProgress.MultiBar(
            { format: '{name} |{bar}| {value}/{total} episodes | return {ret} | {eta_formatted}', hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      const total = multibar?.create(tasks.length * o.episodes, 0, { name: 'all tasks'.padEnd(28), ret: '' });
      const bars = new Map<number, cliProgress.SingleBar>();
      const t0 = Date.now();
      const { results, failures, notStarted } = await collectTasks(tasks, {
        out: o.out,
        episodes: o.episodes,
        seed: o.seed,
        resume: o.resume,
        force: o.force,
        maxEpisodeSteps: o.maxSteps,
        policy: { kind: o.policy, schedule, labels: o.labels, afterSuccess: o.afterSuccess },
        workers,
        shouldStop: () => stopRequested,
        onTaskStart(task, worker) {
          if (!multibar) return;
          const bar = bars.get(worker) ?? multibar.create(o.episodes, 0, {});
          bars.set(worker, bar);
          bar.start(o.episodes, 0, { name: task.padEnd(28), ret: '' });
        },
        onEpisode(e, worker) {
          bars.get(worker)?.update(e.episode + 1, { ret: e.return.toFixed(1) });
          total?.increment(1);
        },
        onTaskEnd(r, worker) {
          if ('error' in r) {
            if (multibar) multibar.log(`${r.task}: FAILED: ${r.error}\n`);
            else console.error(`${r.task}: FAILED: ${r.error}`);
            return;
          }
          if (r.skipped) total?.increment(o.episodes);
          if (!multibar) console.error(`${r.task}: ${r.stopped ? 'stopped at' : r.skipped ? 'already complete,' : 'done,'} ${r.episodes} episodes, ${r.transitions} transitions -> ${r.path}`);
          bars.get(worker)?.update(r.episodes);
        },
      });
      multibar?.stop();
      process.off('SIGINT', onSigint);
      const secs = (Date.now() - t0) / 1000;
      const finished = results.filter((r) => !r.stopped);
      console.log(`collected ${finished.length}/${tasks.length} tasks in ${secs.toFixed(1)} s (${workers} worker${workers > 1 ? 's' : ''}) into ${path.resolve(o.out)}`);
      const done = finished.map((r) => r.path).filter((p) => p.endsWith('.npz'));
      if (done.length) console.log(formatStats(done.flatMap((p) => statsOf(p))));
      if (failures.length) throw new Error(`${failures.length} task(s) failed: ${failures.map((f) => `${f.task} (${f.error})`).join('; ')}`);
      if (stopRequested || notStarted.length) {
        console.log(`interrupted: ${notStarted.length} task(s) not started; run the same command with --resume to continue`);
        process.exitCode = 130;
      }
    });
}

/**
 * `--policy sac`: the tasks' SAC agents trained as one batch per process (src/rl/sac-batched-collect.ts; by
 * default one process per core, each with its share of the tasks: src/rl/sac-processes.ts),
 * a progress bar per task (steps, episode, last return), resumable after a kill at any point.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function collectSac(tasks: string[], o: Record<string, any>): Promise<void> {
  if ((o.episodes === undefined) === (o.steps === undefined)) throw new Error('--policy sac: give --steps (e.g. 100000) or --episodes, not both');
  if (o.labels !== 'executed') throw new Error('--labels is for scripted experts; --policy sac stores the executed actions (its replay buffer)');
  const { collectSacBatched } = await import('../rl/sac-batched-collect.ts');
  const { parseConfig } = await import('./rl.ts');
  const config = parseConfig(o.sacConfig, '--sac-config');
  fs.mkdirSync(o.out, { recursive: true });
  let stopRequested = false;
  const onSigint = (): void => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    process.stderr.write('\nl2m: stopping after the current episode (Ctrl-C again to quit now); continue later with --resume\n');
  };
  process.on('SIGINT', onSigint);
  const tty = process.stderr.isTTY;
  const width = Math.max(...tasks.map((t) => t.length));
  const multibar = tty
    ? new cliProgress.MultiBar(
        { format: '{name} |{bar}| {value}/{total} steps | episode {episode} | return {ret} | {eta_formatted}', hideCursor: true, clearOnComplete: false, etaBuffer: 20 },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const bars = new Map<string, cliProgress.SingleBar>();
  const returns = new Map<string, string>();
  const episodesDone = new Map<string, number>();
  const t0 = Date.now();
  let lastLine = 0;
  const processes = Math.max(1, Math.min(o.processes ?? os.availableParallelism(), tasks.length));
  const r = await collectSacBatched({
    tasks,
    out: o.out,
    episodes: o.episodes,
    steps: o.steps,
    seed: o.seed,
    config,
    resume: o.resume,
    force: o.force,
    maxEpisodeSteps: o.maxSteps,
    workers: o.workers,
    processes,
    shouldStop: () => stopRequested,
    onEpisode(e) {
      returns.set(e.task, e.return.toFixed(1));
      episodesDone.set(e.task, e.episode + 1);
      if (!multibar && e.task === tasks[tasks.length - 1]) {
        // One line per episode of the batch: every task's return.
        console.error(`episode ${e.episode + 1}/${e.episodes} (${((Date.now() - t0) / 1000).toFixed(0)} s): ${tasks.map((t) => `${t} ${returns.get(t) ?? '-'}`).join(', ')}`);
      }
    },
    onProgress(steps) {
      if (multibar) {
        for (const [task, n] of steps) bars.get(task)?.update(n, { episode: String(episodesDone.get(task) ?? 0), ret: returns.get(task) ?? '-' });
      } else if (Date.now() - lastLine > 60_000) {
        lastLine = Date.now();
        console.error(`${((Date.now() - t0) / 1000).toFixed(0)} s: ${[...steps].map(([t, n]) => `${t} ${n}`).join(', ')} steps`);
      }
    },
    onStart(stepsPerTask) {
      if (multibar) for (const t of tasks) bars.set(t, multibar.create(stepsPerTask, 0, { name: t.padEnd(width), episode: '0', ret: '-' }));
      else console.error(`SAC on ${tasks.length} task(s) ${batches(processes)}, ${stepsPerTask} steps each -> ${path.resolve(o.out)}`);
    },
  });
  multibar?.stop();
  process.off('SIGINT', onSigint);
  const secs = (Date.now() - t0) / 1000;
  for (const x of r.results) console.error(`${x.task}: ${x.stopped ? 'stopped at' : x.skipped ? 'already complete,' : 'done,'} ${x.episodes} episodes, ${x.transitions} transitions -> ${x.path}`);
  const finished = r.results.filter((x) => !x.stopped);
  console.log(`collected ${finished.length}/${tasks.length} tasks (SAC, ${r.episodes} episodes each, trained ${batches(processes)}) in ${secs.toFixed(1)} s into ${path.resolve(o.out)}`);
  const done = finished.map((x) => x.path).filter((p) => p.endsWith('.npz'));
  if (done.length) console.log(formatStats(done.flatMap((p) => statsOf(p))));
  if (r.stopped) {
    console.log('interrupted: run the same command with --resume to continue');
    process.exitCode = 130;
  }
}

/** How the SAC tasks are trained, for the messages. */
function batches(processes: number): string {
  return processes === 1 ? 'as one batch' : `as ${processes} batches in ${processes} processes`;
}

function importCommand(): Command {
  return new Command('import')
    .description("convert the original L2M release (a task's .npz replay buffer, or a directory of per-episode .npz files) into <out>/<task>.npz")
    .argument('<input>', '.npz file or directory of .npz files')
    .requiredOption('--task <name>', 'task the data belongs to (e.g. walker-walk, hammer-v2)')
    .requiredOption('--out <dir>', 'output directory')
    .addOption(new Option('--domain <domain>', 'domain, if the task is not registered').choices(['metaworld', 'dmc']))
    .option('--force', 'overwrite an existing dataset')
    .action(async (input: string, o) => {
      const t0 = Date.now();
      const { dataset, files, droppedSteps } = await importRelease(input, o.task, { domain: o.domain });
      fs.mkdirSync(o.out, { recursive: true });
      const file = finalPath(o.out, dataset.meta.task);
      if (fs.existsSync(file) && !o.force) throw new Error(`${file} already exists (pass --force to overwrite it)`);
      saveDataset(file, dataset);
      console.log(
        `imported ${files} file(s): ${dataset.meta.counts.episodes} episodes, ${dataset.meta.counts.transitions} transitions` +
          `${droppedSteps ? ` (${droppedSteps} steps after the last done dropped)` : ''}, layout ${dataset.meta.observation.kind} -> ${file} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
      console.log(formatStats(statsOf(file)));
    });
}

function statsCommand(): Command {
  return new Command('stats')
    .description("per-task episodes, transitions, return distribution and success rate of datasets (a file, or every dataset in a directory); DMControl: returns against the original's data mean and the data's own, and the data-normalised score both ways")
    .argument('<path>', 'dataset .npz, a directory of them, or an unfinished <task>.partial collection')
    .option('--json', 'print JSON (an array of per-task stats; a DMControl data folder or this JSON is what `l2m eval --dmc-data-means` and `eval.dmcDataMeans` read)')
    .option('--verify', 'verify each file against its checksum')
    .action((p: string, o) => {
      const stats = statsOf(p, { verify: o.verify });
      if (o.json) console.log(JSON.stringify(stats, null, 1));
      else console.log(formatStats(stats));
    });
}

export function dataCommand(): Command {
  return new Command('data')
    .description('offline datasets: collect, import the original release, statistics')
    .addCommand(collectCommand())
    .addCommand(importCommand())
    .addCommand(statsCommand())
    .addHelpText('after', `\nDefault noise schedule (replay): ${JSON.stringify(DEFAULT_NOISE_SCHEDULE)}\nFormat and sampling: docs/data.md`);
}
