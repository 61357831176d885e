/** `l2m pretrain` and `l2m eval`: offline pre-training of the Decision Transformer and its evaluation. */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { onOff, positiveInt } from './options.ts';
import cliProgress from 'cli-progress';
import * as torch from '../torch/index.ts';
import { loadPretrainConfig } from '../train/config.ts';
import { checkDevice } from '../train/run-device.ts';
import { pretrain } from '../train/pretrain.ts';
import { loadDecisionTransformer } from '../model/load.ts';
import { evaluate } from '../eval/evaluate.ts';
import { markdownTable, textTable } from '../eval/report.ts';
import { resolveTasks } from '../envs/registry.ts';
import { setAssetDir } from '../envs/mujoco.ts';
import { loadOwnDataScoreTable } from '../data/own-score-table.ts';


export function pretrainCommand(): Command {
  return new Command('pretrain')
    .description('pre-train a Decision Transformer offline on the datasets of many tasks (see configs/*.yaml)')
    .requiredOption('--config <yaml>', 'experiment config (YAML)')
    .argument('[overrides...]', 'key=value overrides on dotted config paths, e.g. train.steps=2000 model.nLayer=2')
    .option('--resume', 'continue the run in <outDir>/<name> from its last checkpoint')
    .option('--quiet', 'no progress bar')
    .action(async (overrides: string[], o: { config: string; resume?: boolean; quiet?: boolean }) => {
      const cfg = loadPretrainConfig(o.config, overrides);
      const bar = o.quiet || !process.stderr.isTTY ? null : new cliProgress.SingleBar({ format: 'pretrain |{bar}| {value}/{total} updates | loss {loss} | lr {lr} | {eta_formatted} left', etaBuffer: 50 }, cliProgress.Presets.shades_classic);
      let lastPrint = 0;
      const result = await pretrain(cfg, {
        resume: o.resume,
        hooks: {
          onLog: (line) => console.log(line),
          onUpdate: (u, total, loss, lr) => {
            if (bar) {
              if (u === 1 || !bar.getTotal()) bar.start(total, u, { loss: loss.toFixed(4), lr: lr.toExponential(2) });
              bar.update(u, { loss: loss.toFixed(4), lr: lr.toExponential(2) });
            } else if (u === total || performance.now() - lastPrint > 10_000) {
              lastPrint = performance.now();
              console.log(`update ${u}/${total}  loss ${loss.toFixed(4)}  lr ${lr.toExponential(2)}`);
            }
          },
          onEvalStart: (u) => {
            bar?.stop();
            console.log(`evaluating at update ${u} ...`);
          },
          onEval: (u, report) => {
            console.log(textTable(report));
            if (bar && u < cfg.train.steps) bar.start(cfg.train.steps, u, { loss: '-', lr: '-' });
          },
        },
      });
      bar?.stop();
      if (result.evaluation) fs.writeFileSync(path.join(result.runDir, 'results.md'), markdownTable(result.evaluation));
      console.log(`done: ${result.updates} updates, final loss ${result.finalLoss.toFixed(4)}; run folder ${result.runDir}`);
    });
}

export function evalCommand(): Command {
  return new Command('eval')
    .description("evaluate a pre-trained Decision Transformer with return-conditioned rollouts (the original's target returns)")
    .requiredOption('--checkpoint <path>', 'run folder or checkpoint folder')
    .requiredOption('--tasks <names>', 'tasks and sets, comma-separated (e.g. reach-v2,push-v2 or CW10)')
    .option('--episodes <n>', 'episodes per task', positiveInt, 10)
    .option('--seed <n>', 'environment seed', (v) => Number(v), 0)
    .option('--workers <n>', 'environment worker threads (default: one per core; more when a thread would hold over 32 envs)', (v) => Number(v))
    .option('--concurrent-envs <n>', 'episodes run at once per domain; more run in rounds (default 64)', positiveInt)
    .option('--max-steps <n>', "steps per episode (default: the domain's)", positiveInt)
    .option('--adapter <dir>', 'an adapter trained on this checkpoint (a `l2m finetune` run folder or its adapter/): evaluate the adapted model')
    .option('--uncached', 'decode with one full pass per action dimension (the original), not the key/value cache')
    .option('--overlap <on|off>', 'pipeline each round in two groups of envs, the workers stepping one while the other decodes; used only where the groups decode bit for bit as the whole batch (default off)', onOff, false)
    .option('--selection <svg>', "with --adapter of a pool method (l2p, l2m, l2m-ia3): write the task x entry heatmap of the pool entries each task's windows selected (and <svg minus .svg>.json, the counts)")
    .option('--no-pretrain-keys', 'with --adapter of a method with pre-training keys: match the pool keys only')
    .option('--dmc-data-means <dir|json>', "DMControl's normalised score with R_data = our own data's mean return: a DMControl data folder or the output of `l2m data stats --json` (default: the original's data means)")
    .option('--assets <dir>', 'MuJoCo asset directory')
    .option('--device <device>', 'where the model decodes: cpu, cuda or cuda:N (a CUDA build of libtorch)', 'cpu')
    .option('--json', 'print one JSON object')
    .action(async (o: { checkpoint: string; tasks: string; episodes: number; seed: number; workers?: number; concurrentEnvs?: number; maxSteps?: number; adapter?: string; uncached?: boolean; overlap: boolean; selection?: string; pretrainKeys: boolean; dmcDataMeans?: string; assets?: string; device: string; json?: boolean }) => {
      if (o.assets) setAssetDir(o.assets);
      checkDevice(o.device, '--device');
      torch.setDefaultDevice(o.device);
      const dmcScores = o.dmcDataMeans === undefined ? undefined : loadOwnDataScoreTable(o.dmcDataMeans);
      if (o.selection && o.overlap) throw new Error('--selection counts one selection per env step; --overlap decodes the first step of each round three times: use one of them');
      if (o.selection && !o.adapter) throw new Error('--selection needs --adapter (an adapter of a pool method: l2p, l2m, l2m-ia3)');
      const tasks = await resolveTasks(o.tasks);
      const { model, update, checkpoint, stateNorm } = loadDecisionTransformer(o.checkpoint);
      try {
        let pool: { method: string; control: import('../adapt/pool.ts').PoolControl; cfg: { pool: number; oracle?: unknown; pretrainKeys?: number }; ids: Record<string, number>; names: Record<string, string> } | undefined;
        if (o.adapter) {
          const { loadAdapter, readAdapterMeta } = await import('../adapt/checkpoint.ts');
          const { isPoolMethod } = await import('../adapt/pool.ts');
          const { selectionTaskIds } = await import('../eval/selection.ts');
          await import('../adapt/index.ts');
          const dir = fs.existsSync(path.join(o.adapter, 'adapter', 'adapter.json')) ? path.join(o.adapter, 'adapter') : o.adapter;
          const method = loadAdapter(dir, model);
          console.error(`adapter ${path.resolve(dir)} (${method.name}) on ${checkpoint}`);
          if (isPoolMethod(method)) {
            // Task ids (the oracle's blocks, the selection statistics' rows): each task's index in the adapter's sequence.
            const cfg = method.config as { pool: number; oracle?: unknown; pretrainKeys?: number };
            const { ids, names } = selectionTaskIds(tasks, readAdapterMeta(dir).extra, cfg.oracle !== undefined);
            pool = { method: method.name, control: method.pool, cfg, ids, names };
            method.pool.resetSelections('eval');
            method.pool.recording = true;
            if (!o.pretrainKeys) method.pool.evalPretrainKeys = false;
          } else if (o.selection) {
            throw new Error(`--selection: the '${method.name}' method has no key-matched pool (l2p, l2m, l2m-ia3)`);
          }
          if (!o.pretrainKeys && !pool?.cfg.pretrainKeys) throw new Error(`--no-pretrain-keys: the '${method.name}' adapter has no pre-training keys`);
        } else if (!o.pretrainKeys) {
          throw new Error('--no-pretrain-keys needs --adapter');
        }
        const report = await evaluate(model, { tasks, episodes: o.episodes, seed: o.seed, workers: o.workers, concurrentEnvs: o.concurrentEnvs, maxEpisodeSteps: o.maxSteps, cached: !o.uncached, overlap: o.overlap, stateNorm, dmcScores, ...(pool ? { taskIds: pool.ids } : {}) });
        if (o.selection && pool) {
          const { selectionHeatmapSvg } = await import('../eval/continual-plots.ts');
          const { summaryLine } = await import('../eval/selection.ts');
          const matrix = pool.control.selections().eval;
          const svg = path.resolve(o.selection);
          fs.mkdirSync(path.dirname(svg), { recursive: true });
          const keys = pool.cfg.pretrainKeys ? (o.pretrainKeys ? ', with the pre-training keys' : ', without the pre-training keys') : '';
          fs.writeFileSync(svg, await selectionHeatmapSvg([{ panel: `evaluation: ${o.episodes} episode(s) per task, one selection per environment step${keys}`, matrix }], { pool: pool.cfg.pool, names: pool.names, title: `${pool.method}: pool entry selected per task` }));
          const json = svg.replace(/\.svg$/, '') + '.json';
          fs.writeFileSync(json, JSON.stringify({ method: pool.method, pool: pool.cfg.pool, pretrainKeys: pool.cfg.pretrainKeys ?? 0, matchedPretrainKeys: o.pretrainKeys && pool.cfg.pretrainKeys !== undefined, names: pool.names, episodes: o.episodes, seed: o.seed, matrix }, null, 2) + '\n');
          console.error(`selection: ${summaryLine(matrix, pool.cfg.pool)}; wrote ${svg} and ${json}`);
        }
        if (o.json) {
          console.log(JSON.stringify({ checkpoint, update, episodes: o.episodes, mean_score: report.meanScore, iqm_score: report.iqmScore, by_domain: report.byDomain, env_steps: report.envSteps, seconds: report.seconds, ...(report.dmcScoreSource ? { dmc_score_source: report.dmcScoreSource } : {}), ...(report.overlap ? { overlap: report.overlap } : {}), tasks: report.tasks }));
        } else {
          console.log(`checkpoint ${checkpoint} (update ${update}), ${o.episodes} episodes per task\n`);
          console.log(textTable(report));
          console.log(`\nmean ${report.meanScore.toFixed(3)}, IQM ${report.iqmScore.toFixed(3)}; ${report.envSteps} env steps in ${report.seconds.toFixed(1)} s`);
          if (report.dmcScoreSource) console.log(`DMControl normalised scores: R_data from ${report.dmcScoreSource}`);
          if (report.overlap) console.log(`overlap: ${report.overlap.overlapped} of ${report.overlap.rounds} rounds pipelined (the others decode differently in groups and ran as one batch)`);
        }
      } finally {
        model.dispose();
      }
    });
}

