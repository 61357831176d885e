/**
 * `l2m demo`: the main job on small defaults. Collects scripted-expert data for a handful of
 * Meta-World tasks, pre-trains a small Decision Transformer, evaluates it, prints the results table
 * and writes it with plots into the run folder (see demo-pipeline.ts).
 */
import { Command, Option } from 'commander';
import { positiveInt } from './options.ts';
import { ACTION_LABELS, type ActionLabels } from '../data/collect-policy.ts';
import cliProgress from 'cli-progress';
import { DEMO_DEFAULTS, runDemo } from './demo-pipeline.ts';
import { textTable } from '../eval/report.ts';
import { setAssetDir } from '../envs/mujoco.ts';


/** A progress display: a bar on a terminal, a line every few seconds otherwise (CI logs, pipes). */
class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  constructor(private readonly tty: boolean) {}
  update(label: string, value: number, total: number, detail = ''): void {
    if (this.tty) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar({ format: `${label.padEnd(9)} |{bar}| {value}/{total} {detail} | {eta_formatted} left`, etaBuffer: 40 }, cliProgress.Presets.shades_classic);
        this.bar.start(total, value, { detail });
      }
      this.bar.update(value, { detail });
    } else if (value === total || performance.now() - this.lastLine > 5000) {
      this.lastLine = performance.now();
      console.log(`${label} ${value}/${total} ${detail}`.trimEnd());
    }
  }
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

export function demoCommand(): Command {
  const d = DEMO_DEFAULTS;
  return new Command('demo')
    .description('collect Meta-World data, pre-train a small Decision Transformer, evaluate it, and write a results table and plots')
    .option('--tasks <names>', 'Meta-World tasks or sets, comma-separated', d.tasks.join(','))
    .option('--episodes <n>', 'scripted-expert episodes collected per task', positiveInt, d.episodes)
    .option('--noise-schedule <spec>', "noise schedule of the collected data: 'noisy-expert' (expert + Gaussian noise σ 0.1), 'expert' (noise-free), 'replay' (poor to expert, as a replay buffer), or JSON knots", d.noiseSchedule)
    .addOption(new Option('--labels <which>', "actions the datasets store: 'expert' (the expert's own action while the noisy one is executed: DART) or 'executed'").choices([...ACTION_LABELS]).default(d.labels))
    .option('--updates <n>', 'pre-training updates', positiveInt, d.updates)
    .option('--eval-episodes <n>', 'evaluation episodes per task', positiveInt, d.evalEpisodes)
    .option('--data <dir>', 'dataset folder (reused when the datasets exist)', d.dataDir)
    .option('--out <dir>', 'runs folder', d.outDir)
    .option('--name <name>', 'run name', d.name)
    .option('--seed <n>', 'seed', (v) => Number(v), d.seed)
    .option('--fresh', 'start the run over instead of resuming an interrupted one')
    .option('--assets <dir>', 'MuJoCo asset directory')
    .action(async (o: { tasks: string; episodes: number; noiseSchedule: string; labels: ActionLabels; updates: number; evalEpisodes: number; data: string; out: string; name: string; seed: number; fresh?: boolean; assets?: string }) => {
      if (o.assets) setAssetDir(o.assets);
      const started = performance.now();
      const progress = new Progress(Boolean(process.stdout.isTTY));
      const collected = new Map<string, number>();
      const { result, files } = await runDemo(
        { tasks: o.tasks.split(','), episodes: o.episodes, noiseSchedule: o.noiseSchedule, labels: o.labels, updates: o.updates, evalEpisodes: o.evalEpisodes, dataDir: o.data, outDir: o.out, name: o.name, seed: o.seed, fresh: o.fresh },
        {
          onStage: (s) => {
            progress.stop();
            console.log(`\n== ${s}`);
          },
          onCollectEpisode: (task, episode, total) => {
            collected.set(task, episode);
            const tasks = o.tasks.split(',').length;
            const done = [...collected.values()].reduce((a, b) => a + b, 0);
            progress.update('collect', done, tasks * total, `episodes (${task} ${episode}/${total})`);
          },
          onUpdate: (u, total, loss) => progress.update('pretrain', u, total, `updates, loss ${loss.toFixed(3)}`),
          onEvalStart: () => {
            progress.stop();
            console.log(`\n== evaluating: ${o.evalEpisodes} episodes per task, conditioned on the original's target returns`);
          },
          onLog: (line) => console.log(line),
        },
      );
      progress.stop();
      if (result.evaluation) {
        console.log('\n' + textTable(result.evaluation));
        console.log(`\nmean success rate (final step): ${result.evaluation.meanScore.toFixed(3)}`);
      }
      console.log(`\nfinal training loss ${result.finalLoss.toFixed(4)}; wrote ${files.join(', ')}`);
      console.log(`demo finished in ${((performance.now() - started) / 60000).toFixed(1)} minutes`);
    });
}
