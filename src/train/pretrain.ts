/**
 * Offline multi-task pre-training of the Decision Transformer, top to bottom:
 * load datasets -> sampler (batches alternate between domains) -> AdamW (decay on Linear weights only)
 * with linear warm-up + cosine decay -> cross-entropy over action tokens, gradient accumulation,
 * clipping -> periodic evaluation rollouts -> metrics (JSON lines + CSV) and atomic checkpoints.
 *
 * Resuming is exact: every update re-seeds libtorch's generator from (seed, update), the sampler's
 * state is saved with the checkpoint, so a resumed run draws the same batches and dropout masks.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.ts';
import { DecisionTransformer, type DTConfig } from '../model/decision-transformer.ts';
import { loadTaskDatasets, type Dataset } from '../data/dataset.ts';
import { stableJson } from '../data/episode-writer.ts';
import { loadOwnDataScoreTable } from '../data/own-score-table.ts';
import { TrajectorySampler, type SamplerState } from '../data/sampler.ts';
import { StateNormalizer } from '../data/state-norm.ts';
import { resolveTasks, taskEntry } from '../envs/registry.ts';
import { setAssetDir } from '../envs/mujoco.ts';
import { requireScoreReferences, type DmcScoreTable } from '../envs/dmc/scores.ts';
import { evaluate, type EvalReport } from '../eval/evaluate.ts';
import { modelConfig as modelConfigOf } from '../model/config.ts';
import { nextInputs } from '../model/batch-inputs.ts';
import { trainIdentity, type PretrainConfig } from './config.ts';
import { datasetPaths } from './dataset-paths.ts';
import { adamwGroups } from './optimizer.ts';
import { trainStep, updateSeed } from './step.ts';
import { readTrainCheckpoint, restoreScaler, scalerMeta, writeTrainCheckpoint } from './checkpoints.ts';
import { enterRunDevice, mixedPrecision } from './run-device.ts';
import { MetricsLog } from './metrics-log.ts';
import { warmupCosine } from './schedule.ts';

export interface PretrainHooks {
  /** After every optimiser update. */
  onUpdate?(update: number, total: number, loss: number, lr: number): void;
  onEvalStart?(update: number): void;
  onEval?(update: number, report: EvalReport): void;
  onLog?(line: string): void;
}

export interface PretrainResult {
  runDir: string;
  updates: number;
  finalLoss: number;
  losses: number[];
  evaluation?: EvalReport;
}

export function modelConfig(cfg: PretrainConfig): DTConfig {
  return modelConfigOf(cfg.model);
}

export function runDirOf(cfg: PretrainConfig): string {
  return path.resolve(cfg.outDir, cfg.name);
}

/**
 * Resolves task and set names, then loads `<dir>/<task>.npz` for each (DMControl tasks from `dmcDir`
 * when given), naming every missing one together; `dmcField` names the config field of `dmcDir`.
 */
export async function loadTaskDatasetsIn(dir: string, taskSpec: string[], opts: { dmcDir?: string; dmcField?: string } = {}): Promise<{ tasks: string[]; datasets: Dataset[] }> {
  const tasks = await resolveTasks(taskSpec);
  const { paths } = await datasetPaths({ dir, dmcDir: opts.dmcDir, dmcField: opts.dmcField, what: 'data.tasks' }, tasks);
  return { tasks, datasets: paths.map((p, i) => loadTaskDatasets([path.dirname(p)], [tasks[i]!])[0]!) };
}

/** The DMControl score table of `eval.dmcDataMeans` (checked to cover the DMControl tasks evaluated), or undefined for the original's. */
async function dmcScoresOf(cfg: PretrainConfig, evalTasks: string[]): Promise<DmcScoreTable | undefined> {
  if (cfg.eval.dmcDataMeans === undefined) return undefined;
  const table = loadOwnDataScoreTable(cfg.eval.dmcDataMeans);
  const dmc: string[] = [];
  for (const t of evalTasks) if ((await taskEntry(t)).domain === 'dmc') dmc.push(t);
  requireScoreReferences(table, dmc);
  return table;
}

export async function pretrain(cfg: PretrainConfig, opts: { resume?: boolean; hooks?: PretrainHooks } = {}): Promise<PretrainResult> {
  const hooks = opts.hooks ?? {};
  if (cfg.assets) setAssetDir(cfg.assets);
  if (cfg.threads.intraOp) torch.setNumThreads(cfg.threads.intraOp);
  if (cfg.threads.blas) torch.setBlasThreads(cfg.threads.blas);
  const runDir = runDirOf(cfg);
  const ckptDir = path.join(runDir, 'checkpoint');
  const existing = fs.existsSync(path.join(runDir, 'config.json'));
  if (existing && !opts.resume) throw new Error(`${runDir} already holds a run: pass --resume to continue it, or choose another name (name=...) or outDir`);
  fs.mkdirSync(runDir, { recursive: true });
  if (opts.resume && existing) {
    const saved = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')) as PretrainConfig;
    // Key order does not matter (configs written by older versions list their keys in another order).
    const a = stableJson({ ...saved, eval: undefined, train: { ...trainIdentity(saved.train), steps: undefined } });
    const b = stableJson({ ...cfg, eval: undefined, train: { ...trainIdentity(cfg.train), steps: undefined } });
    if (a !== b) throw new Error(`${runDir}: the config differs from the one the run started with (only train.steps and eval.* may change on --resume)`);
  }
  fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');

  const { tasks, datasets } = await loadTaskDatasetsIn(cfg.data.dir, cfg.data.tasks, { dmcDir: cfg.data.dmcDir, dmcField: 'data.dmcDir' });
  const evalTasks = await resolveTasks(cfg.eval.tasks ?? tasks);
  const dmcScores = await dmcScoresOf(cfg, evalTasks);
  const sampler = new TrajectorySampler(datasets, { batchSize: cfg.train.batchSize, contextLength: cfg.model.contextLength, seed: cfg.seed });
  const stateNorm = cfg.data.normalizeStates ? StateNormalizer.fromDatasets(datasets) : undefined;

  const mixed = mixedPrecision(cfg.train); // checked before the device is entered, as in finetune and continual
  const leaveDevice = enterRunDevice(cfg.train.device);
  torch.manualSeed(cfg.seed);
  const model = new DecisionTransformer(modelConfig(cfg));
  const optimizer = new torch.optim.AdamW(adamwGroups(model, cfg.train.weightDecay), { lr: cfg.train.lr, betas: cfg.train.betas, weightDecay: cfg.train.weightDecay });
  const scheduler = new torch.optim.LambdaLR(optimizer, warmupCosine(cfg.train.warmupSteps, cfg.train.steps, cfg.train.minLr / cfg.train.lr));
  const log = new MetricsLog(runDir);

  let update = 0;
  if (opts.resume && fs.existsSync(ckptDir)) {
    const meta = readTrainCheckpoint(ckptDir, { model, optimizer, scheduler });
    update = meta.update;
    sampler.restore(meta.sampler as SamplerState);
    restoreScaler(mixed, meta, ckptDir);
    log.truncateAfter(update, { redoEvalAt: cfg.eval.atEnd && update >= cfg.train.steps });
    hooks.onLog?.(`resumed ${runDir} at update ${update}`);
  } else {
    log.truncateAfter(0);
  }

  const losses: number[] = [];
  let lastEval: EvalReport | undefined;
  const runEval = async (): Promise<EvalReport> => {
    hooks.onEvalStart?.(update);
    const report = await evaluate(model, { tasks: evalTasks, episodes: cfg.eval.episodes, seed: cfg.seed * 1000 + update, workers: cfg.eval.workers, concurrentEnvs: cfg.eval.concurrentEnvs, stateNorm, dmcScores });
    log.eval(update, report);
    hooks.onEval?.(update, report);
    return report;
  };

  model.train();
  let window = 0;
  let windowCount = 0;
  try {
    while (update < cfg.train.steps) {
      const { loss, gradNorm } = trainStep(
        model,
        optimizer,
        () => nextInputs(sampler, update, stateNorm),
        { accumulation: cfg.train.accumulation, gradClip: cfg.train.gradClip, seed: updateSeed(cfg.seed, update), update, mixedPrecision: mixed },
      );
      const lr = optimizer.paramGroups[0]!.options.lr;
      scheduler.step();
      update += 1;
      losses.push(loss);
      window += loss;
      windowCount += 1;
      hooks.onUpdate?.(update, cfg.train.steps, loss, lr);
      if (update % cfg.train.logEvery === 0 || update === cfg.train.steps) {
        log.train(update, { loss: window / windowCount, lr, gradNorm });
        window = 0;
        windowCount = 0;
      }
      // Evaluate before checkpointing: a run killed between the two redoes the evaluation, never skips it.
      if (cfg.eval.every > 0 && update % cfg.eval.every === 0 && update < cfg.train.steps) lastEval = await runEval();
      if (update % cfg.train.checkpointEvery === 0 || update === cfg.train.steps) {
        writeTrainCheckpoint(ckptDir, { model, optimizer, scheduler, meta: { update, sampler: sampler.state(), config: cfg, model: modelConfig(cfg), ...(stateNorm ? { stateNorm: stateNorm.toJSON() } : {}), ...scalerMeta(mixed) } });
      }
    }
    if (cfg.eval.atEnd) lastEval = await runEval();
  } finally {
    optimizer.dispose();
    model.dispose();
    leaveDevice();
  }
  return { runDir, updates: update, finalLoss: losses.at(-1) ?? Number.NaN, losses, evaluation: lastEval };
}
