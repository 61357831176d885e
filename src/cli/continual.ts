/** `l2m continual` (adapt a pre-trained model to a sequence of tasks) and `l2m report` (tables and plots over continual runs). */
import path from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import '../adapt/index.ts';
import { methodEntry, methodNames } from '../adapt/registry.ts';
import { loadContinualConfig } from '../train/continual-config.ts';
import { continual, continualMarkdown } from '../train/continual.ts';
import { writeReport } from '../eval/continual-report.ts';
import { setAssetDir } from '../envs/mujoco.ts';

export function continualCommand(): Command {
  return new Command('continual')
    .description('adapt a pre-trained Decision Transformer to a sequence of tasks, one after another (configs/continual/<sequence>-<method>.yaml)')
    .requiredOption('--config <yaml>', 'continual config (YAML): sequence (CW10, DMC6, CW10+DMC6 or a list), method, mode (sequential | multitask), budget')
    .argument('[overrides...]', 'key=value overrides on dotted config paths, e.g. train.stepsPerTask=500 sequence=DMC6 reference.runs=[runs/finetune/a]')
    .option('--resume', 'continue the run in <outDir>/<name> from its last checkpoint')
    .option('--assets <dir>', 'MuJoCo asset directory')
    .option('--quiet', 'no progress bar')
    .addHelpText(
      'after',
      `\nOutputs in <outDir>/<name>: eval.csv (one row per update, phase and task), results.json / results.md (matrix, performance, forgetting, forward transfer, retention), train.csv, metrics.jsonl, progress.json, checkpoint/, phases/<i>-<task>/ (the adapter at the end of each phase), selection.json (pool methods: which entry each task selected; docs/l2m.md).\n\nMethods:\n${methodNames()
        .map((n) => `  ${n.padEnd(12)} ${methodEntry(n).description}`)
        .join('\n')}`,
    )
    .action(async (overrides: string[], o: { config: string; resume?: boolean; assets?: string; quiet?: boolean }) => {
      if (o.assets) setAssetDir(o.assets);
      const cfg = loadContinualConfig(o.config, { overrides });
      const bar = o.quiet || !process.stderr.isTTY ? null : new cliProgress.SingleBar({ format: 'continual |{bar}| {value}/{total} updates | loss {loss} | {eta_formatted} left', etaBuffer: 50 }, cliProgress.Presets.shades_classic);
      let lastPrint = 0;
      let total = 0;
      const r = await continual(cfg, {
        resume: o.resume,
        hooks: {
          onLog: (line) => console.log(line),
          onUpdate: (u, t, loss) => {
            total = t;
            if (bar) {
              if (!bar.getTotal()) bar.start(t, u, { loss: loss.toFixed(4) });
              bar.update(u, { loss: loss.toFixed(4) });
            } else if (u === t || performance.now() - lastPrint > 10_000) {
              lastPrint = performance.now();
              console.log(`update ${u}/${t}  loss ${loss.toFixed(4)}`);
            }
          },
          onPhase: (p, task, what) => {
            bar?.stop();
            console.log(`${what === 'begin' ? 'begin' : 'end of'} phase ${p}: ${task}`);
          },
          onEvalStart: (u, what) => {
            bar?.stop();
            console.log(`evaluating ${what} ...`);
          },
          onEval: (u, rows) => {
            const m = rows.reduce((s, x) => s + x.score, 0) / rows.length;
            console.log(`update ${u}: mean ${m.toFixed(3)}  ` + rows.map((x) => `${x.task.replace(/-v2$/, '')} ${x.score.toFixed(2)}`).join('  '));
            if (bar && total > 0 && u < total) bar.start(total, u, { loss: '-' });
          },
        },
      });
      bar?.stop();
      console.log('\n' + continualMarkdown(r));
    });
}

export function reportCommand(): Command {
  return new Command('report')
    .description('tables and plots over continual runs and their seeds: report.md with SVG charts (method table with 90% bootstrap intervals, every task over updates, matrix heatmaps, pool selection heatmaps)')
    .argument('<runs...>', 'continual run folders (or folders holding them, e.g. runs/continual)')
    .option('--out <dir>', 'where to write report.md and the SVG files', 'runs/report')
    .action(async (runs: string[], o: { out: string }) => {
      const { files, markdown } = await writeReport(runs, path.resolve(o.out));
      console.log(markdown);
      console.log(`wrote ${files.length} files to ${path.resolve(o.out)}`);
    });
}

export function continualCommands(): Command[] {
  return [continualCommand(), reportCommand()];
}
