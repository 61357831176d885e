/**
 * `l2m data collect --policy sac` over many tasks in one process: one SAC agent per task, trained
 * together as one `BatchedSacAgent` (stacked networks, one batched update per environment step for
 * all tasks), their environments stepped together in worker threads (`VectorEnv`). Each task's
 * dataset is its agent's replay buffer, and equals, bit for bit, what the task-by-task `sac` policy
 * (`sac-collect.ts`, which is `rl train-sac`'s protocol) stores for the same seed: same seeds, same
 * actions, same updates, same files (test/rl-sac-batched.test.ts).
 *
 * Lockstep: the tasks step, update and end their (fixed-length, DMControl) episodes together. After
 * every episode each task's agent is written back to its single-task form and checkpointed into its
 * `<out>/<task>.sac/` slot, then the episode is committed to the dataset, task by task, as the
 * task-by-task policy does; so a run killed at any moment resumes exactly. Killed between two
 * tasks' commits, tasks are one episode apart: resuming first runs the tasks behind until they catch
 * up (per-task results do not depend on which tasks share a batch), then all of them together.
 */
import fs from 'node:fs';
import { Rng } from '../envs/rng.ts';
import { makeEnv } from '../envs/registry.ts';
import type { BoxSpace } from '../envs/types.ts';
import { VectorEnv } from '../envs/vector.ts';
import { openCollection, type CollectResult, type EpisodeSummary } from '../data/collect.ts';
import { finalPath, partialDir, type EpisodeWriter } from '../data/episode-writer.ts';
import { deriveSeed } from '../data/seeds.ts';
import * as torch from '../torch/index.ts';
import { BatchedSacAgent } from './batched-sac.ts';
import { sacConfig, type SacConfig } from './sac-config.ts';
import { checkSacTask, restoreSacCollection, sacPolicyInfo, sacStateDir, saveSacCollectionState } from './sac-collect.ts';
import { SacLearner } from './sac-learner.ts';
import { squashedAction } from './sac.ts';

export interface SacBatchedCollectOptions {
  tasks: string[];
  /** Output directory: `<out>/<task>.npz`, with `<task>.partial/` and `<task>.sac/` while unfinished. */
  out: string;
  /** Episodes per task (or give `steps`). */
  episodes?: number;
  /** Environment steps per task: a whole number of (fixed-length) episodes, e.g. 100000 = 100 DMControl episodes. */
  steps?: number;
  seed?: number;
  /** SAC hyper-parameters to override (`SacConfigSchema`). */
  config?: Partial<SacConfig>;
  resume?: boolean;
  force?: boolean;
  /** Episode length (default: the tasks', 1000 for DMControl). */
  maxEpisodeSteps?: number;
  /** Worker threads stepping the environments (0: this thread; default: one per core, at most one per task). */
  workers?: number;
  /** Once the run is set up: the steps per task it collects (episodes x episode length). */
  onStart?(stepsPerTask: number): void;
  /** After each committed episode of each task. */
  onEpisode?(e: EpisodeSummary): void;
  /** Every `progressEvery` environment steps (and at episode ends): steps done so far per task (committed and current episode). */
  onProgress?(steps: Map<string, number>): void;
  progressEvery?: number;
  /** Checked between episodes; true stops the run (resumable with `resume`). */
  shouldStop?(): boolean;
  /**
   * Processes to train in (default 1: this one). With more, the tasks are split into that many groups
   * (`sac-processes.ts`), each trained as one batch in a child process with its share of the cores;
   * the per-task results are the same (they do not depend on which tasks share a batch).
   */
  processes?: number;
  /**
   * Called once every task's output is open, before any training. Resolving false closes the outputs
   * again (removing those this run created) and returns without training (`stopped`). For the process split.
   */
  beforeTraining?(): Promise<boolean>;
  /** Called after every environment step (and its update) of the batch. For the process split. */
  onStep?(): void;
}

export interface SacBatchedCollectResult {
  results: CollectResult[];
  /** Episodes per task. */
  episodes: number;
  /** Stopped by `shouldStop` before every task finished. */
  stopped: boolean;
}

interface TaskRun {
  task: string;
  obsDim: number;
  actionSpace: BoxSpace;
  maxEpisodeSteps: number;
  writer: EpisodeWriter;
  result?: CollectResult;
}

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new Error(`sac collection: ${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

/** What `checkSacCollection` settles before anything is written. */
export interface SacCollectionPlan {
  seed: number;
  config: SacConfig;
  /** Episodes per task. */
  episodes: number;
  /** Steps per episode (every task's). */
  length: number;
}

/**
 * Checks the options of a SAC collection (tasks, episodes or steps, seed, config) and settles the
 * episode count; throws the user-facing error otherwise. Writes nothing.
 */
export async function checkSacCollection(opts: SacBatchedCollectOptions): Promise<SacCollectionPlan> {
  if ((opts.episodes === undefined) === (opts.steps === undefined)) throw new Error('sac collection: give the episodes or the steps per task (one of them)');
  const seed = positiveInt('seed', opts.seed ?? 0, 0);
  if (opts.resume && opts.force) throw new Error('--resume and --force exclude each other');
  if (opts.tasks.length === 0) throw new Error('sac collection: no tasks');
  const dup = opts.tasks.find((t, i) => opts.tasks.indexOf(t) !== i);
  if (dup) throw new Error(`sac collection: task ${dup} is listed twice`);
  for (const t of opts.tasks) await checkSacTask(t);
  const config = sacConfig(opts.config);
  const lengths = new Map<string, number>();
  for (const task of opts.tasks) {
    const env = await makeEnv(task, { obsLayout: 'flat', maxEpisodeSteps: opts.maxEpisodeSteps });
    lengths.set(task, env.maxEpisodeSteps);
    env.close();
  }
  const length = lengths.get(opts.tasks[0]!)!;
  if (new Set(lengths.values()).size > 1) {
    throw new Error(`sac collection: the tasks' episodes have different lengths (${[...lengths].map(([t, n]) => `${t} ${n}`).join(', ')}); batched tasks step in lockstep: pass --max-steps`);
  }
  let episodes: number;
  if (opts.steps !== undefined) {
    const steps = positiveInt('steps', opts.steps);
    if (steps % length !== 0) throw new Error(`sac collection: ${steps} steps is not a whole number of ${length}-step episodes (use a multiple of ${length}, or --episodes)`);
    episodes = steps / length;
  } else episodes = positiveInt('episodes', opts.episodes!);
  return { seed, config, episodes, length };
}

/** Collects the SAC replay-buffer datasets of `tasks`, trained as one batch (or one per process: `processes`). */
export async function collectSacBatched(opts: SacBatchedCollectOptions): Promise<SacBatchedCollectResult> {
  const processes = positiveInt('processes', opts.processes ?? 1);
  if (processes > 1 && opts.tasks.length > 1) {
    const { collectSacInProcesses } = await import('./sac-processes.ts');
    return collectSacInProcesses(opts, processes);
  }
  const { seed, config, episodes, length } = await checkSacCollection(opts);
  const info = sacPolicyInfo(config, seed);

  // Open every task's output (errors before any work; outputs created here are removed on failure).
  const runs: TaskRun[] = [];
  const results: CollectResult[] = [];
  const created: string[] = [];
  try {
    for (const task of opts.tasks) {
      const env = await makeEnv(task, { obsLayout: 'flat', maxEpisodeSteps: opts.maxEpisodeSteps });
      try {
        const existed = fs.existsSync(partialDir(opts.out, task));
        const opened = openCollection(task, env, info, { out: opts.out, episodes, seed, resume: opts.resume, force: opts.force });
        if ('skipped' in opened) {
          results.push(opened.skipped);
          continue;
        }
        if (!existed) created.push(task);
        runs.push({ task, obsDim: env.observationSpace.shape[0]!, actionSpace: env.actionSpace, maxEpisodeSteps: env.maxEpisodeSteps, writer: opened.writer });
      } finally {
        env.close();
      }
    }
  } catch (err) {
    for (const r of runs) r.writer.close();
    for (const t of created) fs.rmSync(partialDir(opts.out, t), { recursive: true, force: true });
    throw err;
  }

  if (opts.beforeTraining) {
    let go: boolean;
    try {
      go = await opts.beforeTraining();
    } catch (err) {
      for (const r of runs) r.writer.close();
      throw err;
    }
    if (!go) {
      for (const r of runs) r.writer.close();
      for (const t of created) fs.rmSync(partialDir(opts.out, t), { recursive: true, force: true });
      const open = runs.map((r): CollectResult => ({ task: r.task, path: partialDir(opts.out, r.task), episodes: r.writer.episodes, transitions: r.writer.transitions, skipped: false, stopped: true }));
      const byTask = new Map([...results, ...open].map((r) => [r.task, r]));
      return { results: opts.tasks.map((t) => byTask.get(t)!), episodes, stopped: true };
    }
  }
  opts.onStart?.(episodes * length);
  let stopped = false;
  try {
    for (const r of runs) if (r.writer.episodes === 0) fs.rmSync(sacStateDir(opts.out, r.task), { recursive: true, force: true }); // a fresh collection
    // Rounds: the tasks furthest behind run until they reach the next count (normally one round: all tasks, to the end).
    for (;;) {
      const pending = runs.filter((r) => r.writer.episodes < episodes);
      if (pending.length === 0) break;
      const behind = Math.min(...pending.map((r) => r.writer.episodes));
      const next = Math.min(episodes, ...pending.map((r) => r.writer.episodes).filter((e) => e > behind));
      stopped = await runRound(
        pending.filter((r) => r.writer.episodes === behind),
        next,
        { ...opts, episodes, seed, config },
        () => [...results.map((r) => [r.task, r.transitions] as const), ...runs.map((r) => [r.task, r.writer.transitions] as const)],
      );
      if (stopped) break;
    }
    for (const r of runs) {
      if (r.writer.episodes === episodes) {
        const ds = r.writer.finalize();
        r.result = { task: r.task, path: finalPath(opts.out, r.task), episodes: ds.meta.counts.episodes, transitions: ds.meta.counts.transitions, skipped: false, stopped: false };
      } else {
        r.writer.close();
        r.result = { task: r.task, path: partialDir(opts.out, r.task), episodes: r.writer.episodes, transitions: r.writer.transitions, skipped: false, stopped: true };
      }
    }
  } catch (err) {
    for (const r of runs) r.writer.close();
    throw err;
  }
  const byTask = new Map([...results, ...runs.map((r) => r.result!)].map((r) => [r.task, r]));
  return { results: opts.tasks.map((t) => byTask.get(t)!), episodes, stopped };
}

/**
 * Trains and collects `runs` (all at the same committed episode count) together until they hold
 * `until` episodes, or a stop request between episodes. Returns whether it stopped early.
 */
async function runRound(
  runs: TaskRun[],
  until: number,
  opts: SacBatchedCollectOptions & { episodes: number; seed: number; config: SacConfig },
  committed: () => (readonly [string, number])[],
): Promise<boolean> {
  const { seed, episodes } = opts;
  const start = runs[0]!.writer.episodes;
  const T = runs.length;
  const learners: SacLearner[] = [];
  const finalObs: Float32Array[][] = [];
  let vec: VectorEnv | undefined;
  let agent: BatchedSacAgent | undefined;
  try {
    for (const r of runs) {
      const l = new SacLearner({ task: r.task, seed, obsDim: r.obsDim, actionSpace: r.actionSpace, config: opts.config, capacity: episodes * r.maxEpisodeSteps });
      learners.push(l);
      finalObs.push(start > 0 ? restoreSacCollection(l, opts.out, r.task, start) : []);
    }
    agent = BatchedSacAgent.fromAgents(learners.map((l) => l.agent));
    const workers = Math.min(opts.workers ?? VectorEnv.defaultWorkers(T), T);
    vec = await VectorEnv.create({ tasks: runs.map((r) => r.task), maxEpisodeSteps: opts.maxEpisodeSteps, obsLayout: 'flat', workers });
    const O = vec.obsDim;
    const A = vec.actDim;
    const maxSteps = runs[0]!.maxEpisodeSteps;
    const every = opts.progressEvery ?? 50;
    const progress = (n: number): void => {
      if (!opts.onProgress) return;
      const m = new Map(committed());
      for (const r of runs) m.set(r.task, r.writer.transitions + n);
      opts.onProgress(m);
    };
    // Per-episode columns, as `collect` writes them.
    const cols = runs.map((r) => ({
      states: new Float32Array(maxSteps * r.obsDim),
      actions: new Float32Array(maxSteps * r.actionSpace.low.length),
      rewards: new Float32Array(maxSteps),
      terminals: new Uint8Array(maxSteps),
      timeouts: new Uint8Array(maxSteps),
    }));
    const block = new Float64Array(T * A);
    progress(0);
    for (let e = start; e < until; e++) {
      if (opts.shouldStop?.()) return true;
      const resetSeeds = runs.map((r, i) => {
        const s = learners[i]!.beginEpisode(new Rng(deriveSeed(seed, r.task, e, 'policy')));
        if (s !== deriveSeed(seed, r.task, e, 'reset')) throw new Error('sac collection: reset seeds out of step');
        return s;
      });
      const first = await vec.reset(resetSeeds);
      const obs = runs.map((r, i) => first.slice(i * O, i * O + r.obsDim));
      const returns = new Float64Array(T);
      for (let n = 0; ; ) {
        // Actions: random during the seed steps, else sampled from each task's actor (one batched forward).
        const heads = learners.some((l) => !l.actsRandomly) ? agent.head(obs) : undefined;
        const actions = learners.map((l, i) => {
          const h = heads?.[i];
          const raw = l.actWith((rng) => squashedAction(h!.mu, h!.std, rng));
          const { low, high } = runs[i]!.actionSpace;
          const a = new Float32Array(raw.length);
          for (let k = 0; k < raw.length; k++) {
            const v = raw[k]!;
            if (!Number.isFinite(v)) throw new Error(`${runs[i]!.task}: policy returned action[${k}] = ${v} (episode ${e}, step ${n})`);
            a[k] = v < low[k]! ? low[k]! : v > high[k]! ? high[k]! : v;
          }
          block.fill(0, i * A, (i + 1) * A);
          block.set(a, i * A);
          return a;
        });
        const r = await vec.step(block);
        let ended = 0;
        const due: (number | undefined)[] = [];
        runs.forEach((run, i) => {
          const d = run.obsDim;
          const reward = r.rewards[i]!;
          if (!Number.isFinite(reward)) throw new Error(`${run.task}: the environment returned reward ${reward} (episode ${e}, step ${n})`);
          const o = obs[i]!;
          for (let k = 0; k < d; k++) if (!Number.isFinite(o[k]!)) throw new Error(`${run.task}: observation[${k}] is ${o[k]} (episode ${e}, step ${n})`);
          const terminated = r.terminated[i] === 1;
          const truncated = r.truncated[i] === 1;
          const done = terminated || truncated;
          const end = done || n + 1 >= maxSteps;
          const nextObs = (done ? r.finalObs : r.obs).slice(i * O, i * O + d);
          const c = cols[i]!;
          c.states.set(o, n * d);
          c.actions.set(actions[i]!, n * actions[i]!.length);
          c.rewards[n] = reward;
          c.terminals[n] = terminated ? 1 : 0;
          c.timeouts[n] = end && !terminated ? 1 : 0;
          returns[i] += reward;
          due.push(learners[i]!.store(o, actions[i]!, reward, nextObs, terminated, end && !terminated));
          if (end) {
            ended++;
            finalObs[i]!.push(Float32Array.from(nextObs));
          }
          obs[i] = nextObs;
        });
        n++;
        const updating = due.filter((s) => s !== undefined).length;
        if (updating !== 0 && updating !== T) throw new Error('sac collection: tasks out of lockstep (some due an update, some not)');
        if (updating) torch.tidy(() => void agent!.update(learners.map((l, i) => l.updateInputs(due[i]!))));
        opts.onStep?.();
        if (ended !== 0 && ended !== T) {
          throw new Error(`sac collection: some tasks' episodes ended at step ${n} and others did not; batched tasks need episodes of one fixed length (DMControl's)`);
        }
        if (ended) break;
        if (n % every === 0) progress(n);
      }
      // Commit: each task's agent (written back to its single-task form) is checkpointed, then its episode appended.
      agent.writeBack(learners.map((l) => l.agent));
      runs.forEach((run, i) => {
        const l = learners[i]!;
        saveSacCollectionState(opts.out, l, finalObs[i]!);
        const len = l.steps - run.writer.transitions;
        const c = cols[i]!;
        const A_i = run.actionSpace.low.length;
        run.writer.append({
          states: c.states.subarray(0, len * run.obsDim),
          actions: c.actions.subarray(0, len * A_i),
          rewards: c.rewards.subarray(0, len),
          terminals: c.terminals.subarray(0, len),
          timeouts: c.timeouts.subarray(0, len),
          seed: resetSeeds[i]!,
        });
        opts.onEpisode?.({ task: run.task, episode: e, episodes, steps: len, return: returns[i]! });
      });
      progress(0);
      // Let messages (progress, stop requests, signals) through between episodes.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return false;
  } finally {
    agent?.dispose();
    for (const l of learners) l.dispose();
    await vec?.close();
  }
}
