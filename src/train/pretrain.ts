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
import { loadDataset, type Dataset } from '../data/dataset.ts';
import { finalPath } from '../data/episode-writer.ts';
import { TrajectorySampler, type Batch, type SamplerState } from '../data/sampler.ts';
import { StateNormalizer } from '../data/state-norm.ts';
import { resolveTasks } from '../envs/registry.ts';
import { setAssetDir } from '../envs/mujoco.ts';
import { evaluate, type EvalReport } from '../eval/evaluate.ts';
import type { PretrainConfig } from './config.ts';
import { readTrainCheckpoint, writeTrainCheckpoint } from './checkpoints.ts';
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
  return { ...cfg.model, dInner: cfg.model.dInner ?? 4 * cfg.model.dModel };
}

export function runDirOf(cfg: PretrainConfig): string {
  return path.resolve(cfg.outDir, cfg.name);
}

/** Loads `<dir>/<task>.npz` for every task, naming the missing ones together. */
export async function loadTaskDatasets(dir: string, taskSpec: string[]): Promise<{ tasks: string[]; datasets: Dataset[] }> {
  const tasks = await resolveTasks(taskSpec);
  const missing = tasks.filter((t) => !fs.existsSync(finalPath(dir, t)));
  if (missing.length > 0) {
    throw new Error(`no dataset for ${missing.join(', ')} in ${path.resolve(dir)} (expected <task>.npz; collect with \`l2m data collect --tasks ${missing.join(',')} --out ${dir}\`)`);
  }
  return { tasks, datasets: tasks.map((t) => loadDataset(finalPath(dir, t))) };
}

/** AdamW groups as the original: weight decay on Linear weight matrices, none on biases, LayerNorms and embeddings. */
export function adamwGroups(model: torch.nn.Module, weightDecay: number): Array<{ params: torch.nn.Parameter[]; weightDecay: number }> {
  const decayed = new Set<torch.nn.Parameter>();
  for (const [, m] of model.namedModules()) if (m instanceof torch.nn.Linear) decayed.add(m.weight);
  const decay: torch.nn.Parameter[] = [];
  const noDecay: torch.nn.Parameter[] = [];
  for (const p of model.parameters()) if (p.requiresGrad) (decayed.has(p) ? decay : noDecay).push(p);
  return [
    { params: decay, weightDecay },
    { params: noDecay, weightDecay: 0 },
  ];
}

/** The sampler's typed arrays as model inputs (states standardised first when a normaliser is given). */
export function batchToInputs(b: Batch, stateNorm?: StateNormalizer): { x: import('../model/decision-transformer.ts').DTInputs; actionMask: torch.Tensor } {
  const B = b.batchSize;
  const K = b.contextLength;
  let states = b.states;
  if (stateNorm) {
    states = Float32Array.from(b.states);
    stateNorm.apply(b.domain, states, b.attentionMask);
  }
  const A = b.actions.length / (B * K);
  const mask = new Uint8Array(b.attentionMask.length);
  for (let i = 0; i < mask.length; i++) mask[i] = b.attentionMask[i]! ? 1 : 0;
  return {
    x: {
      states: torch.tensor(states, { shape: [B, K, states.length / (B * K)] }),
      actionTokens: torch.tensor(b.actionTokens, { shape: [B, K, A], dtype: 'int64' }),
      returnsToGo: torch.tensor(b.returnsToGo, { shape: [B, K] }),
      rewards: torch.tensor(b.rewards, { shape: [B, K] }),
      timesteps: torch.tensor(b.timesteps, { shape: [B, K], dtype: 'int64' }),
      attentionMask: torch.tensor(mask, { shape: [B, K], dtype: 'bool' }),
    },
    actionMask: torch.tensor(b.actionMask, { shape: [B, K, A], dtype: 'int64' }),
  };
}

function assertFiniteBatch(b: Batch, update: number): void {
  for (const [name, arr] of [['states', b.states], ['returnsToGo', b.returnsToGo], ['rewards', b.rewards]] as const) {
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i]!)) throw new Error(`update ${update}: the ${b.domain} batch has a non-finite value in '${name}' (index ${i}); check the dataset with \`l2m data stats\``);
    }
  }
}

/** Seed of libtorch's generator for one update (a splitmix-style hash of seed and update). */
function updateSeed(seed: number, update: number): number {
  let z = (seed * 0x9e3779b1 + update * 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
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
    const a = JSON.stringify({ ...saved, eval: undefined, train: { ...saved.train, steps: undefined } });
    const b = JSON.stringify({ ...cfg, eval: undefined, train: { ...cfg.train, steps: undefined } });
    if (a !== b) throw new Error(`${runDir}: the config differs from the one the run started with (only train.steps and eval.* may change on --resume)`);
  }
  fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');

  const { tasks, datasets } = await loadTaskDatasets(cfg.data.dir, cfg.data.tasks);
  const evalTasks = await resolveTasks(cfg.eval.tasks ?? tasks);
  const sampler = new TrajectorySampler(datasets, { batchSize: cfg.train.batchSize, contextLength: cfg.model.contextLength, seed: cfg.seed });
  const stateNorm = cfg.data.normalizeStates ? StateNormalizer.fromDatasets(datasets) : undefined;

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
    log.truncateAfter(update);
    hooks.onLog?.(`resumed ${runDir} at update ${update}`);
  } else {
    log.truncateAfter(0);
  }

  const losses: number[] = [];
  let lastEval: EvalReport | undefined;
  const runEval = async (): Promise<EvalReport> => {
    hooks.onEvalStart?.(update);
    const report = await evaluate(model, { tasks: evalTasks, episodes: cfg.eval.episodes, seed: cfg.seed * 1000 + update, workers: cfg.eval.workers, concurrentEnvs: cfg.eval.concurrentEnvs, stateNorm });
    log.eval(update, report);
    hooks.onEval?.(update, report);
    return report;
  };

  model.train();
  let window = 0;
  let windowCount = 0;
  try {
    while (update < cfg.train.steps) {
      torch.manualSeed(updateSeed(cfg.seed, update));
      let lossSum = 0;
      for (let micro = 0; micro < cfg.train.accumulation; micro++) {
        const batch = sampler.next();
        assertFiniteBatch(batch, update);
        lossSum += torch.tidy(() => {
          const { x, actionMask } = batchToInputs(batch, stateNorm);
          const loss = model.loss(x, actionMask);
          loss.div(cfg.train.accumulation).backward();
          return loss.item();
        });
      }
      const loss = lossSum / cfg.train.accumulation;
      if (!Number.isFinite(loss)) throw new Error(`update ${update}: the loss is ${loss}; stopping (lower train.lr or check the data)`);
      const gradNorm = torch.clipGradNorm_(model.parameters(), cfg.train.gradClip);
      optimizer.step();
      model.zeroGrad();
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
      if (update % cfg.train.checkpointEvery === 0 || update === cfg.train.steps) {
        writeTrainCheckpoint(ckptDir, { model, optimizer, scheduler, meta: { update, sampler: sampler.state(), config: cfg, ...(stateNorm ? { stateNorm: stateNorm.toJSON() } : {}) } });
      }
      if (cfg.eval.every > 0 && update % cfg.eval.every === 0 && update < cfg.train.steps) lastEval = await runEval();
    }
    if (cfg.eval.atEnd) lastEval = await runEval();
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  return { runDir, updates: update, finalLoss: losses.at(-1) ?? Number.NaN, losses, evaluation: lastEval };
}
