/**
 * Continual adaptation of a pre-trained Decision Transformer (L2M's offline Continual World protocol,
 * l2m-spec.md sections 3-5, docs/continual.md), top to bottom:
 *
 *   load the base -> attach the method (as `l2m finetune`: `adaptedModel`) -> [pool methods with
 *   pre-training keys, `pretrainKeys:` in the config: pool.setPhase('pretrain-keys'), an AdamW over the
 *   pre-training keys alone, `pretrainKeys.steps` updates of the shared training step on windows of the
 *   pre-training tasks with `keyPullLoss` (task id -1; not protocol updates; metrics.jsonl 'keys'),
 *   pool.setPhase('adapt')] -> one AdamW over the method's trainable parameters, kept across tasks
 *   (optionally reset at each switch) -> evaluation of every task at update 0 -> for each task i of the sequence:
 *     method.beginTask -> `stepsPerTask` updates of the shared training step on task i's data only
 *     (evaluating every task every `eval.every` updates) -> method.endTask (with batches of task i) ->
 *     method.retraining's extra updates on task i (PackNet; not counted in the protocol's updates) ->
 *     evaluation of every task (the end of phase i) -> a per-phase adapter snapshot
 *   -> retention on pre-training tasks beside the base's cached scores (a method with pre-training keys:
 *   with and without them; L2M-oracle: with the modulation off, i.e. the frozen base, checked unchanged,
 *   since a pre-training task has no block of the oracle's pool) -> results.json / results.md.
 *
 * Pool methods (`isPoolMethod`: l2p, l2m, l2m-ia3) also get `selection.json` (`SelectionLog`): the task x
 * entry selection counts of each phase's training windows (reset at each beginTask), of every evaluation
 * event (reset before each) and of retention (retention tasks carry ids after the sequence's), kept in
 * the checkpoint so a resumed run writes the same file.
 *
 * `mode: multitask` trains all tasks jointly (one sampler over every dataset) for the same total number
 * of updates, the upper bound; it calls no task hooks.
 *
 * Task ids are indices in the sequence: training windows carry them (`batchToInputs`' mapping) and so do
 * evaluation episodes (`evaluate`'s taskIds). A method with `viewFor` (PackNet) is evaluated task by
 * task inside its view of that task, on the same episodes as the batched evaluation would use.
 *
 * Resuming is exact after SIGKILL at any point: updates seed the generator (`updateSeed`), each phase's
 * sampler has its own seed and its state is in the checkpoint, the method's state is in the checkpoint,
 * and the checkpoint records where in the protocol the run stands (phase, step, evaluations made, the
 * keys' phase's progress), so a resumed run redoes exactly what had not been checkpointed (a phase-end
 * evaluation already checkpointed is not made again). Checkpoints are written every
 * `checkpointEvery` updates, after every evaluation, after each endTask and at each task switch.
 * A method's `restore` must bring it back to where `state` was taken: hooks are not replayed.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.ts';
import { writeFileAtomic } from '../torch/atomic-write.ts';
import { nextInputs } from '../model/batch-inputs.ts';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import { loadTaskDatasets, type Dataset } from '../data/dataset.ts';
import { TrajectorySampler, type SamplerState } from '../data/sampler.ts';
import { deriveSeed } from '../data/seeds.ts';
import { resolveTasks } from '../envs/registry.ts';
import { setAssetDir } from '../envs/mujoco.ts';
import type { Domain } from '../envs/types.ts';
import { evaluate, type EvalReport, type TaskResult } from '../eval/evaluate.ts';
import { formatScore, mean } from '../eval/metrics.ts';
import { continualMetrics, forwardTransfer, parseEvalCsv, windowMean, type ContinualEvalRow, type ContinualMetrics, type ForwardTransfer } from '../eval/continual-metrics.ts';
import { baseIdentity, currentBaseIdentity, trainableParameters } from '../adapt/inject.ts';
import { isPoolMethod, keyPullLoss, type PoolMethod, type SelectionMatrix } from '../adapt/pool.ts';
import { saveAdapter } from '../adapt/checkpoint.ts';
import type { AdaptMethod, TaskInfo } from '../adapt/method.ts';
import { readTrainCheckpoint, restoreScaler, scalerMeta, writeTrainCheckpoint } from './checkpoints.ts';
import { mixedPrecision } from './run-device.ts';
import { datasetPaths } from './dataset-paths.ts';
import { adamwGroups } from './optimizer.ts';
import { trainStep, updateSeed } from './step.ts';
import { adaptedModelOnDevice } from './finetune.ts';
import type { FinetuneConfig } from './finetune-config.ts';
import { baseScores } from './base-scores.ts';
import { resumableView, type ContinualConfig } from './continual-config.ts';
import { ContinualLog } from './continual-log.ts';

export interface ContinualHooks {
  onLog?(line: string): void;
  onUpdate?(update: number, total: number, loss: number): void;
  /** After each update of the pre-training keys (the phase before the first task). */
  onKeysUpdate?(step: number, steps: number, loss: number): void;
  /** After a phase's adapter snapshot was written (before the switch to the next phase is checkpointed). */
  onSnapshot?(phase: number): void;
  /** After each retraining update (PackNet's, after endTask) of `phase`. */
  onRetrainUpdate?(phase: number, step: number, steps: number, loss: number): void;
  /** After beginTask (what 'begin') or endTask (what 'end') of a phase. */
  onPhase?(phase: number, task: string, what: 'begin' | 'end'): void;
  onEvalStart?(update: number, what: string): void;
  /** After every environment step of an evaluation. */
  onEvalStep?(domain: Domain, step: number, maxSteps: number): void;
  onEval?(update: number, rows: ContinualEvalRow[]): void;
}

export interface TaskScore {
  task: string;
  score: number;
  base: number;
}

/** results.json: the run's settings, Continual World's metrics of its eval.csv (tasks, initial, matrix, final, performance, forgetting, auc), transfer and retention. */
export interface ContinualResults extends ContinualMetrics {
  name: string;
  mode: 'sequential' | 'multitask';
  /** The sequence as configured (a set name, a '+' join, or a list). */
  sequence: string | string[];
  method: string;
  methodConfig: unknown;
  base: string;
  seed: number;
  stepsPerTask: number;
  updates: number;
  episodes: number;
  lastK: number;
  evalEvery: number;
  trainableParams: number;
  totalParams: number;
  secondsPerUpdate: number;
  /** Absent without reference runs (see notes). */
  forward_transfer?: ForwardTransfer & { references: Record<string, Array<{ run: string; auc: number }>> };
  retention: Retention | null;
  /** The pre-training keys' phase (pool methods with `pretrainKeys`), when the run had one. */
  pretrainKeys?: { steps: number; tasks: string[]; keys: number; params: number; batchSize: number; lr: number; finalLoss: number };
  notes: string[];
}

export interface Retention {
  tasks: TaskScore[];
  mean: number;
  baseMean: number;
  episodes: number;
  /**
   * 'off': evaluated without modulation (L2M-oracle: a pre-training task has no block of the pool, so
   * it gets no modulator; the base is frozen and checked unchanged, so the scores are the base's).
   */
  modulation?: 'off';
  /** A method with pre-training keys: the same tasks evaluated without them (matching the pool's keys only). */
  withoutPretrainKeys?: { tasks: TaskScore[]; mean: number };
}

/** One task x entry selection matrix of a pool method, with where it was taken. */
export interface SelectionRecord {
  matrix: SelectionMatrix;
  update: number;
  phase: number;
}

/**
 * `selection.json` of a run with a pool method (l2p, l2m, l2m-ia3): which pool entry the windows of each
 * task selected, over training (each phase's training windows) and at evaluation (every evaluation event,
 * and retention). Rows are task ids: sequence indices, retention tasks after them (`names`).
 */
export interface SelectionLog {
  method: string;
  /** Pool entries (columns 0 .. pool-1); columns from pool on are pre-training keys. */
  pool: number;
  pretrainKeys: number;
  topK: number;
  tasks: string[];
  /** Task id -> task name (the sequence's, then the retention tasks'). */
  names: Record<string, string>;
  /** train[p]: the training windows of phase p (one row, task p). */
  train: Array<SelectionRecord & { task: string }>;
  /** eval[e]: evaluation event e (what: 'initial' at update 0, 'every' mid-phase, 'end' at a phase end). */
  eval: Array<SelectionRecord & { event: number; what: 'initial' | 'every' | 'end' }>;
  /** The retention evaluation (with the pre-training keys, and without them when the method has some). */
  retention: Array<{ pretrainKeys: boolean; matrix: SelectionMatrix }>;
}

/**
 * Where a phase stands: 'begin' (beginTask next), 'train' (its updates), 'retrain' (the method's
 * retraining after endTask, PackNet's), 'ended' (the end-of-phase evaluation next).
 */
type Step = 'keys' | 'begin' | 'train' | 'retrain' | 'ended';

interface Cursor {
  phase: number;
  step: Step;
  /** 'keys' (the pre-training keys' phase, before phase 0's begin): its updates made. */
  keysDone?: number;
  /** 'retrain': updates made, updates asked for, and whether the optimiser is reset after them. */
  retrained?: number;
  retrainSteps?: number;
  retrainReset?: boolean;
}

interface ContinualCheckpointMeta {
  update: number;
  sampler: SamplerState | null;
  cursor: Cursor;
  /** Evaluation events logged so far, and the update of the last one (-1: none). */
  events: number;
  lastEval: number;
  trainSeconds: number;
  /** The loss window of the next train.csv line (of the next retraining line). */
  window: { sum: number; count: number };
  retrainWindow: { sum: number; count: number };
  /** Retraining records in metrics.jsonl so far. */
  retrainRecords: number;
  /** The pre-training keys' phase: the loss window of its next record, records so far, the last record's loss. */
  keysWindow?: { sum: number; count: number };
  keysRecords?: number;
  keysLoss?: number;
  /** A pool method's selection log (selection.json) as of this checkpoint. */
  selection?: SelectionLog;
  /** Names of the parameters of each optimiser group (the trainable set may change between tasks). */
  optimizerParams: string[][];
  methodState?: unknown;
  [key: string]: unknown;
}

export function continualRunDir(cfg: ContinualConfig): string {
  return path.resolve(cfg.outDir, cfg.name);
}

/** Resolves a sequence spec to task names in order; a task may appear once. */
export async function resolveSequence(spec: string | string[]): Promise<string[]> {
  const parts = (Array.isArray(spec) ? spec : [spec]).flatMap((s) => s.split(/[+,]/)).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('sequence: no tasks given');
  const tasks: string[] = [];
  for (const p of parts) {
    let resolved: string[];
    try {
      resolved = await resolveTasks([p]);
    } catch (err) {
      throw new Error(`sequence: ${(err as Error).message}`);
    }
    for (const t of resolved) {
      if (tasks.includes(t)) throw new Error(`sequence: task '${t}' appears twice (a task may appear once in a sequence)`);
      tasks.push(t);
    }
  }
  return tasks;
}

interface Reference {
  dir: string;
  task: string;
  auc: number;
  base: string;
}

/**
 * Single-task reference runs (`l2m finetune` run folders, finished): their task must be in the
 * sequence and their budget (train.steps) equal to stepsPerTask; AUC = the mean score of their
 * evaluations in (0, stepsPerTask].
 */
export function readReferences(dirs: readonly string[], tasks: readonly string[], stepsPerTask: number): Reference[] {
  return dirs.map((d) => {
    const dir = path.resolve(d);
    const cfgFile = path.join(dir, 'config.json');
    const evalFile = path.join(dir, 'eval.csv');
    if (!fs.existsSync(cfgFile)) throw new Error(`reference.runs: ${dir} is not an \`l2m finetune\` run folder (no config.json)`);
    if (!fs.existsSync(path.join(dir, 'results.json'))) throw new Error(`reference.runs: ${dir} has not finished (no results.json)`);
    const rc = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Partial<FinetuneConfig>;
    if (typeof rc.task !== 'string' || !rc.train) throw new Error(`reference.runs: ${cfgFile} is not a fine-tuning config (no task / train)`);
    const task = tasks.find((t) => t === rc.task || t === `${rc.task}-v2` || t.replace(/-v2$/, '') === rc.task);
    if (!task) throw new Error(`reference.runs: ${dir} fine-tuned '${rc.task}', which is not in the sequence (${tasks.join(', ')})`);
    if (rc.train.steps !== stepsPerTask) throw new Error(`reference.runs: ${dir} trained ${rc.train.steps} updates, not stepsPerTask = ${stepsPerTask} (forward transfer needs the same budget)`);
    const lines = fs.existsSync(evalFile) ? fs.readFileSync(evalFile, 'utf8').trim().split('\n').slice(1) : [];
    const rows = lines.map((l) => l.split(',')).map((c) => ({ update: Number(c[0]), task: c[1]!, score: Number(c[3]) }));
    const auc = windowMean(rows, task, 0, stepsPerTask);
    if (!Number.isFinite(auc)) throw new Error(`reference.runs: ${evalFile} has no evaluation of ${task} in updates (0, ${stepsPerTask}]`);
    return { dir, task, auc, base: String(rc.base ?? '') };
  });
}

/** Names of `model`'s parameters that train now. */
function trainableNames(model: DecisionTransformer): string[] {
  return [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
}

function buildOptimizer(model: DecisionTransformer, cfg: ContinualConfig, groupsByName?: string[][], lr = cfg.train.lr): { optimizer: torch.optim.AdamW; names: string[][] } {
  const byName = new Map(model.namedParameters());
  const nameOf = new Map([...byName].map(([n, p]) => [p, n] as const));
  let groups = adamwGroups(model, cfg.train.weightDecay);
  if (groupsByName) {
    if (groupsByName.length !== groups.length) throw new Error(`checkpoint: ${groupsByName.length} optimiser groups, expected ${groups.length}`);
    groups = groups.map((g, i) => ({
      ...g,
      params: groupsByName[i]!.map((n) => {
        const p = byName.get(n);
        if (!p) throw new Error(`checkpoint: the optimiser holds '${n}', which the model does not have`);
        return p;
      }),
    }));
  }
  const optimizer = new torch.optim.AdamW(groups, { lr, betas: cfg.train.betas, weightDecay: cfg.train.weightDecay });
  return { optimizer, names: groups.map((g) => g.params.map((p) => nameOf.get(p)!)) };
}

/** Reads the metadata of the checkpoint in `dir` without loading tensors. */
function peekMeta(dir: string): ContinualCheckpointMeta | undefined {
  const from = torch.completeCheckpointDir(dir);
  if (!from) return undefined;
  return (JSON.parse(fs.readFileSync(path.join(from, torch.CHECKPOINT_FILES.meta), 'utf8')) as { meta: ContinualCheckpointMeta }).meta;
}

/**
 * Saves the method's adapter as it stands, with the tensor set it had when attached (methods that stop
 * training some tensors after a task, as PackNet, still save them, so the snapshot loads with `loadAdapter`).
 */
function saveSnapshot(dir: string, model: DecisionTransformer, method: AdaptMethod, injectionTrainables: readonly string[], identity: string, extra: unknown): void {
  const params = new Map(model.namedParameters());
  const flipped = injectionTrainables.map((n) => params.get(n)!).filter((p) => !p.requiresGrad);
  for (const p of flipped) p.requiresGrad_(true);
  try {
    saveAdapter(dir, model, method, { identity, extra });
  } finally {
    for (const p of flipped) p.requiresGrad_(false);
  }
}

export async function continual(cfg: ContinualConfig, opts: { resume?: boolean; hooks?: ContinualHooks } = {}): Promise<ContinualResults> {
  const hooks = opts.hooks ?? {};
  if (cfg.assets) setAssetDir(cfg.assets);
  if (cfg.threads.intraOp) torch.setNumThreads(cfg.threads.intraOp);
  if (cfg.threads.blas) torch.setBlasThreads(cfg.threads.blas);
  const runDir = continualRunDir(cfg);
  const ckptDir = path.join(runDir, 'checkpoint');
  const configFile = path.join(runDir, 'config.json');
  const existing = fs.existsSync(configFile);
  if (existing && !opts.resume) throw new Error(`${runDir} already holds a run: pass --resume to continue it, or choose another name (name=...) or outDir`);

  // Everything that can fail on bad input fails before the run folder is written.
  const tasks = await resolveSequence(cfg.sequence);
  const N = tasks.length;
  const S = cfg.train.stepsPerTask;
  const multitask = cfg.mode === 'multitask';
  const { paths: dataPaths, domains } = await datasetPaths({ dir: cfg.data.dir, dmcDir: cfg.data.dmcDir, dmcField: 'data.dmcDir', what: 'the sequence' }, tasks);
  const keysCfg = cfg.pretrainKeys;
  let keysTasks: string[] = [];
  let keysPaths: string[] = [];
  if (keysCfg) {
    try {
      keysTasks = await resolveTasks(keysCfg.tasks);
    } catch (err) {
      throw new Error(`pretrainKeys.tasks: ${(err as Error).message}`);
    }
    keysPaths = (await datasetPaths({ dir: keysCfg.dataDir, dmcDir: keysCfg.dmcDataDir, dmcField: 'pretrainKeys.dmcDataDir', what: 'pretrainKeys.tasks' }, keysTasks)).paths;
  }
  let retentionTasks: string[] = [];
  try {
    retentionTasks = cfg.eval.retention.length > 0 ? await resolveTasks(cfg.eval.retention) : [];
  } catch (err) {
    throw new Error(`eval.retention: ${(err as Error).message}`);
  }
  const references = multitask ? [] : readReferences(cfg.reference.runs, tasks, S);
  if (opts.resume && existing) {
    const saved = JSON.parse(fs.readFileSync(configFile, 'utf8')) as ContinualConfig;
    if (resumableView(saved) !== resumableView(cfg)) throw new Error(`${runDir}: the config differs from the one the run started with (only eval.workers, eval.concurrentEnvs, eval.retention*, eval.baseScoreCache, reference.runs, threads and assets may change on --resume)`);
  }
  const mixed = mixedPrecision(cfg.train);
  const { model, method, stateNorm, identity, checkpoint, leaveDevice } = adaptedModelOnDevice(cfg);
  try {
    if (multitask && (method.beginTask || method.endTask || method.viewFor)) {
      throw new Error(`mode: multitask trains one model on all tasks at once; the '${method.name}' method works task by task (it has task hooks): use it with mode: sequential, or take a method such as full or lora`);
    }
    const pool: PoolMethod['pool'] | undefined = isPoolMethod(method) ? method.pool : undefined;
    const poolCfg = pool ? (method.config as { pool: number; topK?: number; pretrainKeys?: number; oracle?: { tasks: number } }) : undefined;
    if (keysCfg && !poolCfg?.pretrainKeys) throw new Error(`pretrainKeys: the '${method.name}' method has no pre-training keys to learn (method.pretrainKeys: n on l2m or l2m-ia3)`);
    if (poolCfg?.oracle && poolCfg.oracle.tasks !== N) throw new Error(`method.oracle.tasks is ${poolCfg.oracle.tasks}, the sequence has ${N} tasks: the oracle needs one block per task`);
    fs.mkdirSync(runDir, { recursive: true });
    writeFileAtomic(configFile, JSON.stringify(cfg, null, 2) + '\n');
    const params = trainableParameters(model);
    const injectionTrainables = trainableNames(model);
    hooks.onLog?.(`${method.name} on ${multitask ? 'all of' : 'the sequence'} ${tasks.join(', ')} (${multitask ? `${N * S} updates jointly` : `${S} updates per task`}) from ${checkpoint}: ${params.line}`);

    const phases = multitask ? 1 : N;
    const phaseLen = multitask ? N * S : S;
    const total = phases * phaseLen;
    const taskIds = Object.fromEntries(tasks.map((t, i) => [t, i]));
    const info = (p: number): TaskInfo => ({ index: p, name: tasks[p]!, sequence: tasks });
    const phaseTask = (p: number): string => (multitask ? 'all' : tasks[p]!);
    // Offsets of each task's episodes in its domain's batch, so per-task (view) evaluations use the batched evaluation's seeds.
    const domainOffset = tasks.map((_, j) => domains.slice(0, j).filter((d) => d === domains[j]).length);

    const datasetCache = new Map<number, Dataset>();
    const datasetOf = (j: number): Dataset => {
      let ds = datasetCache.get(j);
      if (!ds) {
        ds = loadTaskDatasets([path.dirname(dataPaths[j]!)], [tasks[j]!])[0]!;
        datasetCache.set(j, ds);
      }
      return ds;
    };
    const phaseData = (p: number): { datasets: Dataset[]; ids: number[] } => {
      if (multitask) return { datasets: tasks.map((_, j) => datasetOf(j)), ids: tasks.map((_, j) => j) };
      for (const k of datasetCache.keys()) if (k !== p) datasetCache.delete(k); // one task's data in memory at a time
      return { datasets: [datasetOf(p)], ids: [p] };
    };
    const samplerFor = (p: number, purpose: string): { sampler: TrajectorySampler; ids: number[] } => {
      const { datasets, ids } = phaseData(p);
      return { sampler: new TrajectorySampler(datasets, { batchSize: cfg.train.batchSize, contextLength: model.cfg.contextLength, seed: deriveSeed(cfg.seed, purpose, p) }), ids };
    };

    // The pre-training keys' data: every pre-training task in one sampler; windows carry task id -1 (no sequence task).
    const keysSampler = (): { sampler: TrajectorySampler; ids: number[] } => {
      const datasets = keysTasks.map((t, j) => loadTaskDatasets([path.dirname(keysPaths[j]!)], [t])[0]!);
      return { sampler: new TrajectorySampler(datasets, { batchSize: keysCfg!.batchSize ?? cfg.train.batchSize, contextLength: model.cfg.contextLength, seed: deriveSeed(cfg.seed, 'pretrain-keys', 0) }), ids: datasets.map(() => -1) };
    };
    const keysLr = keysCfg?.lr ?? cfg.train.lr;
    // Retention tasks' ids (pool methods: rows of the selection statistics): their sequence index, else after the sequence.
    const retentionIds = Object.fromEntries(retentionTasks.map((t, i) => [t, taskIds[t] ?? N + i]));

    const log = new ContinualLog(runDir, N);
    let update = 0;
    let cursor: Cursor = keysCfg ? { phase: 0, step: 'keys', keysDone: 0 } : { phase: 0, step: 'begin' };
    let events = 0;
    let lastEval = -1;
    let trainSeconds = 0;
    let window = { sum: 0, count: 0 };
    let retrainWindow = { sum: 0, count: 0 };
    let retrainRecords = 0;
    let keysWindow = { sum: 0, count: 0 };
    let keysRecords = 0;
    let keysLoss = Number.NaN;
    let selection: SelectionLog | undefined = pool
      ? {
          method: method.name,
          pool: poolCfg!.pool,
          pretrainKeys: poolCfg!.pretrainKeys ?? 0,
          topK: poolCfg!.topK ?? 1,
          tasks,
          names: Object.fromEntries([...tasks.map((t, i) => [String(i), t]), ...retentionTasks.filter((t) => taskIds[t] === undefined).map((t) => [String(retentionIds[t]), t])]),
          train: [],
          eval: [],
          retention: [],
        }
      : undefined;
    const selectionFile = path.join(runDir, 'selection.json');
    const writeSelection = (): void => {
      if (selection) writeFileAtomic(selectionFile, JSON.stringify(selection) + '\n');
    };
    let current: { sampler: TrajectorySampler; ids: number[] } | undefined;
    let opt: { optimizer: torch.optim.AdamW; names: string[][] };
    const saved = opts.resume ? peekMeta(ckptDir) : undefined;
    if (saved) {
      opt = buildOptimizer(model, cfg, saved.optimizerParams, saved.cursor.step === 'keys' ? keysLr : cfg.train.lr);
      const meta = readTrainCheckpoint(ckptDir, { model, optimizer: opt.optimizer }) as ContinualCheckpointMeta;
      ({ update, cursor, events, lastEval, trainSeconds, window, retrainWindow, retrainRecords } = meta);
      keysWindow = meta.keysWindow ?? { sum: 0, count: 0 };
      keysRecords = meta.keysRecords ?? 0;
      keysLoss = meta.keysLoss ?? Number.NaN;
      if (selection && meta.selection) selection = meta.selection;
      if (meta.methodState !== undefined) method.restore?.(meta.methodState);
      restoreScaler(mixed, meta, ckptDir);
      if (cursor.step === 'train' || cursor.step === 'retrain') {
        current = samplerFor(cursor.phase, cursor.step);
        current.sampler.restore(meta.sampler!);
      } else if (cursor.step === 'keys') {
        current = keysSampler();
        current.sampler.restore(meta.sampler!);
      }
      log.truncate({ update, events, retrains: retrainRecords, keys: keysRecords, phasesEnded: cursor.phase });
      writeSelection();
      hooks.onLog?.(`resumed ${runDir} at update ${update} (phase ${cursor.phase}, ${cursor.step})`);
    } else {
      // The pre-training keys' phase first: only the pre-training keys train (the pool is frozen).
      if (cursor.step === 'keys') pool!.setPhase('pretrain-keys');
      opt = buildOptimizer(model, cfg, undefined, cursor.step === 'keys' ? keysLr : cfg.train.lr);
      log.truncate({ update: 0, events: 0, retrains: 0, keys: 0, phasesEnded: 0 });
      if (fs.existsSync(selectionFile)) fs.rmSync(selectionFile);
      writeSelection();
    }

    const writeProgress = (done = false): void => {
      writeFileAtomic(
        path.join(runDir, 'progress.json'),
        JSON.stringify({ update, total, phase: cursor.phase, task: cursor.phase < phases ? phaseTask(cursor.phase) : null, step: done ? 'done' : cursor.step, evaluations: events, done }) + '\n',
      );
    };
    const saveCheckpoint = (): void => {
      const meta: ContinualCheckpointMeta = {
        update,
        sampler: (cursor.step === 'train' || cursor.step === 'retrain' || cursor.step === 'keys') && current ? current.sampler.state() : null,
        cursor,
        events,
        lastEval,
        trainSeconds,
        window,
        retrainWindow,
        retrainRecords,
        ...(keysCfg ? { keysWindow, keysRecords, keysLoss } : {}),
        ...(selection ? { selection } : {}),
        optimizerParams: opt.names,
        model: model.cfg,
        ...(method.state ? { methodState: method.state() } : {}),
        ...(stateNorm ? { stateNorm: stateNorm.toJSON() } : {}),
        ...scalerMeta(mixed),
      };
      writeTrainCheckpoint(ckptDir, { model, optimizer: opt.optimizer, meta });
      writeProgress();
    };

    const evalBase = { episodes: cfg.eval.episodes, workers: cfg.eval.workers, concurrentEnvs: cfg.eval.concurrentEnvs, maxEpisodeSteps: cfg.eval.maxEpisodeSteps, stateNorm, onStep: hooks.onEvalStep };
    /** Evaluates every task, logs the event, checkpoints. */
    const evaluateAll = async (phase: number, what: string, kind: 'initial' | 'every' | 'end'): Promise<void> => {
      hooks.onEvalStart?.(update, what);
      const started = performance.now();
      pool?.resetSelections('eval');
      let results: TaskResult[];
      if (method.viewFor && !multitask) {
        results = [];
        for (const [j, t] of tasks.entries()) {
          const undo = method.viewFor(model, j);
          try {
            const r = await evaluate(model, { ...evalBase, tasks: [t], seed: cfg.eval.seed + domainOffset[j]! * cfg.eval.episodes, taskIds });
            results.push(r.tasks[0]!);
          } finally {
            undo();
          }
        }
      } else {
        results = (await evaluate(model, { ...evalBase, tasks, seed: cfg.eval.seed, taskIds })).tasks;
      }
      const rows = results.map(
        (r): ContinualEvalRow => ({
          update,
          phase,
          phaseTask: phaseTask(phase),
          task: r.task,
          domain: r.domain,
          episodes: r.episodes,
          success: r.successRate ?? null,
          return: r.meanReturn,
          normalizedScore: r.normalizedScore ?? null,
          score: r.score,
        }),
      );
      log.eval(events, rows, { seconds: (performance.now() - started) / 1000 });
      if (selection) {
        selection.eval[events] = { event: events, what: kind, update, phase, matrix: pool!.selections().eval };
        writeSelection();
      }
      events += 1;
      lastEval = update;
      hooks.onEval?.(update, rows);
      saveCheckpoint();
    };

    const resetOptimizer = (): void => {
      opt.optimizer.dispose();
      opt = buildOptimizer(model, cfg);
    };

    model.train();
    try {
      while (cursor.phase < phases) {
        const p = cursor.phase;
        const start = p * phaseLen;
        const end = start + phaseLen;
        if (cursor.step === 'keys') {
          // The pre-training keys' phase (before the first task): pool.setPhase('pretrain-keys') was called
          // (or restored), the optimiser is over the pre-training keys alone; the key-pull loss on windows
          // of the pre-training tasks, through the shared training step; then back to the pool.
          const steps = keysCfg!.steps;
          if (cursor.keysDone === 0 && !current) hooks.onLog?.(`learning ${poolCfg!.pretrainKeys} pre-training keys: ${steps} updates on ${keysTasks.length} pre-training tasks (the pool frozen, no modulation)`);
          current ??= keysSampler();
          const { sampler, ids } = current;
          while (cursor.keysDone! < steps) {
            const k = cursor.keysDone!;
            const { loss, gradNorm } = trainStep(
              model,
              opt.optimizer,
              () => nextInputs(sampler, update, stateNorm, ids),
              { accumulation: cfg.train.accumulation, gradClip: cfg.train.gradClip, seed: deriveSeed(cfg.seed, 'pretrain-keys', k), method, update, loss: (m, x) => keyPullLoss(m, x), mixedPrecision: mixed },
            );
            cursor = { ...cursor, keysDone: k + 1 };
            hooks.onKeysUpdate?.(k + 1, steps, loss);
            keysWindow = { sum: keysWindow.sum + loss, count: keysWindow.count + 1 };
            if ((k + 1) % cfg.train.logEvery === 0 || k + 1 === steps) {
              keysLoss = keysWindow.sum / keysWindow.count;
              log.keys({ step: k + 1, steps, loss: keysLoss, gradNorm });
              keysRecords += 1;
              keysWindow = { sum: 0, count: 0 };
            }
            if ((k + 1) % cfg.train.checkpointEvery === 0 && k + 1 < steps) saveCheckpoint();
          }
          pool!.setPhase('adapt');
          resetOptimizer(); // the method's own optimiser over the pool, as at a start without pre-training keys
          current = undefined;
          cursor = { phase: 0, step: 'begin' };
          saveCheckpoint();
        }
        if (cursor.step === 'begin') {
          if (update === 0 && lastEval < 0) await evaluateAll(0, 'every task before training (update 0)', 'initial');
          if (p > 0 && cfg.train.resetOptimizer) resetOptimizer();
          if (!multitask && method.beginTask) {
            torch.manualSeed(deriveSeed(cfg.seed, 'beginTask', p));
            method.beginTask(model, info(p));
            model.train();
          }
          pool?.resetSelections('train'); // this phase's training windows
          current = samplerFor(p, 'train');
          cursor = { phase: p, step: 'train' };
          hooks.onPhase?.(p, phaseTask(p), 'begin');
        }
        if (cursor.step === 'train') {
          const { sampler, ids } = current!;
          while (update < end) {
            if (cfg.eval.every > 0 && update % cfg.eval.every === 0 && update > start && lastEval < update) await evaluateAll(p, `every task at update ${update} (phase ${p}: ${phaseTask(p)})`, 'every');
            const started = performance.now();
            const { loss, gradNorm } = trainStep(
              model,
              opt.optimizer,
              () => nextInputs(sampler, update, stateNorm, ids),
              { accumulation: cfg.train.accumulation, gradClip: cfg.train.gradClip, seed: updateSeed(cfg.seed, update), method, update, mixedPrecision: mixed },
            );
            trainSeconds += (performance.now() - started) / 1000;
            update += 1;
            window = { sum: window.sum + loss, count: window.count + 1 };
            hooks.onUpdate?.(update, total, loss);
            if (update % cfg.train.logEvery === 0 || update === end) {
              log.train(update, { loss: window.sum / window.count, lr: cfg.train.lr, gradNorm, phase: p });
              window = { sum: 0, count: 0 };
            }
            const evalNext = cfg.eval.every > 0 && update % cfg.eval.every === 0 && update < end;
            if ((update % cfg.train.checkpointEvery === 0 && !evalNext) || update === end) saveCheckpoint();
          }
          if (!multitask && method.endTask) {
            const { sampler: taskSampler, ids: taskIdsOfData } = samplerFor(p, 'endTask');
            torch.manualSeed(deriveSeed(cfg.seed, 'endTask', p));
            method.endTask(model, info(p), {
              nextBatch: () => nextInputs(taskSampler, update, stateNorm, taskIdsOfData),
            });
            model.train();
          }
          const r = !multitask ? method.retraining?.(info(p), S) : undefined; // PackNet's retraining: extra updates, not counted in the protocol's
          if (r && r.steps > 0) {
            if (r.resetOptimizer) resetOptimizer();
            cursor = { phase: p, step: 'retrain', retrained: 0, retrainSteps: r.steps, retrainReset: r.resetOptimizer };
            current = samplerFor(p, 'retrain');
          } else {
            cursor = { phase: p, step: 'ended' };
            current = undefined;
          }
          saveCheckpoint();
          hooks.onPhase?.(p, phaseTask(p), 'end');
        }
        if (cursor.step === 'retrain') {
          const { sampler, ids } = current!;
          const steps = cursor.retrainSteps!;
          while (cursor.retrained! < steps) {
            const k = cursor.retrained!;
            const { loss, gradNorm } = trainStep(
              model,
              opt.optimizer,
              () => nextInputs(sampler, update, stateNorm, ids),
              { accumulation: cfg.train.accumulation, gradClip: cfg.train.gradClip, seed: deriveSeed(cfg.seed, 'retrain', p, k), method, update, mixedPrecision: mixed },
            );
            cursor = { ...cursor, retrained: k + 1 };
            hooks.onRetrainUpdate?.(p, k + 1, steps, loss);
            retrainWindow = { sum: retrainWindow.sum + loss, count: retrainWindow.count + 1 };
            if ((k + 1) % cfg.train.logEvery === 0 || k + 1 === steps) {
              log.retrain(update, { phase: p, step: k + 1, steps, loss: retrainWindow.sum / retrainWindow.count, gradNorm });
              retrainRecords += 1;
              retrainWindow = { sum: 0, count: 0 };
            }
            if ((k + 1) % cfg.train.checkpointEvery === 0 || k + 1 === steps) saveCheckpoint();
          }
          if (cursor.retrainReset) resetOptimizer();
          cursor = { phase: p, step: 'ended' };
          current = undefined;
          saveCheckpoint();
        }
        // cursor.step === 'ended': the end-of-phase evaluation (unless a run killed after it resumes here), the phase's snapshot, the switch.
        if (selection) {
          selection.train[p] = { phase: p, task: phaseTask(p), update, matrix: pool!.selections().train };
          writeSelection();
        }
        if (lastEval < update) await evaluateAll(p, multitask ? `every task at the end (update ${update})` : `every task at the end of phase ${p} (${phaseTask(p)}, update ${update})`, 'end');
        log.phase(events - 1, update, p, phaseTask(p), 'end');
        saveSnapshot(path.join(runDir, 'phases', `${String(p).padStart(2, '0')}-${phaseTask(p)}`), model, method, injectionTrainables, identity, { phase: p, task: phaseTask(p), update, sequence: tasks });
        hooks.onSnapshot?.(p);
        cursor = { phase: p + 1, step: 'begin' };
        saveCheckpoint();
      }
    } finally {
      opt.optimizer.dispose();
    }

    // Retention on pre-training tasks, the base beside on the same episodes.
    const retEpisodes = cfg.eval.retentionEpisodes ?? cfg.eval.episodes;
    let retention: ContinualResults['retention'] = null;
    const retentionNotes: string[] = [];
    if (retentionTasks.length > 0) {
      hooks.onEvalStart?.(update, `${retentionTasks.length} retention tasks`);
      const b = await baseScores(
        { base: cfg.base, identity, cacheDir: cfg.eval.baseScoreCache ?? path.join(cfg.outDir, '.base-scores'), episodes: retEpisodes, seed: cfg.eval.seed, workers: cfg.eval.workers, concurrentEnvs: cfg.eval.concurrentEnvs, maxEpisodeSteps: cfg.eval.maxEpisodeSteps },
        retentionTasks,
      );
      const scores = (r: { tasks: TaskResult[] }): TaskScore[] => r.tasks.map((t, i) => ({ task: t.task, score: t.score, base: b.tasks[i]!.score }));
      if (selection) selection.retention = [];
      /** The adapted model on the retention tasks (a pool method's windows carry retention ids, for its selection statistics). */
      const evalRetention = async (withKeys: boolean): Promise<EvalReport> => {
        pool?.resetSelections('eval');
        const r = await evaluate(model, { ...evalBase, tasks: retentionTasks, episodes: retEpisodes, seed: cfg.eval.seed, ...(pool ? { taskIds: retentionIds } : {}) });
        if (selection) {
          selection.retention.push({ pretrainKeys: withKeys, matrix: pool!.selections().eval });
          writeSelection();
        }
        return r;
      };
      if (poolCfg?.oracle) {
        // L2M-oracle: a pre-training task has no block of the pool (the oracle's task id selects one), so it
        // is evaluated with the modulation off, i.e. on the frozen base. The base must be untouched.
        if (currentBaseIdentity(model) !== identity) throw new Error(`retention (${method.name} oracle): the base's tensors changed during the run, so the unmodulated model is not the base`);
        retention = { tasks: scores(b), mean: b.meanScore, baseMean: b.meanScore, episodes: retEpisodes, modulation: 'off' };
        retentionNotes.push(
          `retention (${method.name} oracle): pre-training tasks have no block in the oracle's pool, so they are evaluated with the modulation off; the base's tensors are unchanged after the run (checked), so these are the base's scores on the same episodes, equal by construction.`,
        );
      } else {
        const r = await evalRetention(true);
        retention = { tasks: scores(r), mean: r.meanScore, baseMean: b.meanScore, episodes: retEpisodes };
        if (pool && poolCfg?.pretrainKeys) {
          pool.evalPretrainKeys = false;
          try {
            const w = await evalRetention(false);
            retention.withoutPretrainKeys = { tasks: scores(w), mean: w.meanScore };
          } finally {
            pool.evalPretrainKeys = true;
          }
        }
      }
    }

    const rows = parseEvalCsv(fs.readFileSync(log.evalCsv, 'utf8'), log.evalCsv);
    const results = assembleResults(cfg, tasks, rows, references, { method, base: checkpoint, updates: update, trainable: params.trainable, total: params.total, secondsPerUpdate: update > 0 ? trainSeconds / update : Number.NaN, retention });
    results.notes.push(...retentionNotes);
    if (keysCfg) {
      const keyParams = model.adapt && 'pretrain_keys' in model.adapt ? (model.adapt as { pretrain_keys?: torch.nn.Parameter }).pretrain_keys!.numel() : 0;
      results.pretrainKeys = { steps: keysCfg.steps, tasks: keysTasks, keys: poolCfg!.pretrainKeys!, params: keyParams, batchSize: keysCfg.batchSize ?? cfg.train.batchSize, lr: keysLr, finalLoss: keysLoss };
    }
    writeFileAtomic(path.join(runDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileAtomic(path.join(runDir, 'results.md'), continualMarkdown(results));
    writeProgress(true);
    return results;
  } finally {
    model.dispose();
    leaveDevice();
  }
}

function assembleResults(
  cfg: ContinualConfig,
  tasks: string[],
  rows: ContinualEvalRow[],
  references: Reference[],
  o: { method: AdaptMethod; base: string; updates: number; trainable: number; total: number; secondsPerUpdate: number; retention: ContinualResults['retention'] },
): ContinualResults {
  const m: ContinualMetrics = continualMetrics(rows, { tasks, stepsPerTask: cfg.train.stepsPerTask, lastK: cfg.eval.lastK, mode: cfg.mode });
  const notes: string[] = [];
  let ft: ContinualResults['forward_transfer'];
  if (cfg.mode === 'multitask') {
    notes.push('multi-task run (the upper bound): forgetting and forward transfer are not defined; performance is the mean final score.');
  } else if (references.length === 0) {
    notes.push('forward transfer: no reference runs given (reference.runs: `l2m finetune` runs of each task with train.steps = stepsPerTask), so it is not computed.');
  } else {
    const refAuc = tasks.map((t) => {
      const rs = references.filter((r) => r.task === t);
      return rs.length > 0 ? mean(rs.map((r) => r.auc)) : null;
    });
    ft = { ...forwardTransfer(m.auc!, refAuc), references: Object.fromEntries(tasks.map((t) => [t, references.filter((r) => r.task === t).map((r) => ({ run: r.dir, auc: r.auc }))])) };
    const without = tasks.filter((_, j) => refAuc[j] === null);
    if (without.length > 0) notes.push(`forward transfer: no reference run for ${without.join(', ')}; the mean is over the other tasks.`);
    const perfect = tasks.filter((_, j) => refAuc[j] !== null && refAuc[j]! >= 1);
    if (perfect.length > 0) notes.push(`forward transfer: the reference of ${perfect.join(', ')} scores 1 throughout, so its normalised transfer is undefined.`);
    const base = path.resolve(cfg.base);
    const otherBase = references.filter((r) => r.base && path.resolve(r.base) !== base);
    if (otherBase.length > 0) notes.push(`forward transfer: ${otherBase.length} reference run(s) fine-tuned another base (${[...new Set(otherBase.map((r) => r.base))].join(', ')}).`);
  }
  if (tasks.some((_, j) => rows.find((r) => r.task === tasks[j])?.domain === 'dmc')) notes.push('DMControl scores are data-normalised returns (can exceed 1); Meta-World scores are success rates at the final step.');
  if (cfg.eval.maxEpisodeSteps !== undefined) notes.push(`episodes were cut at ${cfg.eval.maxEpisodeSteps} steps (eval.maxEpisodeSteps): scores are not comparable with the protocol's.`);
  return {
    name: cfg.name,
    mode: cfg.mode,
    sequence: cfg.sequence,
    tasks,
    method: o.method.name,
    methodConfig: o.method.config,
    base: o.base,
    seed: cfg.seed,
    stepsPerTask: cfg.train.stepsPerTask,
    updates: o.updates,
    episodes: cfg.eval.episodes,
    lastK: cfg.eval.lastK,
    evalEvery: cfg.eval.every,
    trainableParams: o.trainable,
    totalParams: o.total,
    secondsPerUpdate: o.secondsPerUpdate,
    initial: m.initial,
    matrix: m.matrix,
    final: m.final,
    performance: m.performance,
    forgetting: m.forgetting,
    auc: m.auc,
    ...(ft ? { forward_transfer: ft } : {}),
    retention: o.retention,
    notes,
  };
}

const f3 = formatScore;
const short = (t: string): string => t.replace(/-v2$/, '');

/** results.md: the summary, the per-task table, the matrix and retention. */
export function continualMarkdown(r: ContinualResults): string {
  const label = r.mode === 'multitask' ? `multi-task (${r.method})` : r.method;
  const lines = [
    `# ${label} on ${Array.isArray(r.sequence) ? `${r.tasks.length} tasks` : r.sequence}`,
    '',
    `base: \`${r.base}\`; ${r.mode === 'multitask' ? `${r.updates} updates on all tasks jointly` : `${r.stepsPerTask} updates per task, ${r.updates} in all`}; ` +
      `${r.episodes} episode(s) per task per evaluation (at update 0, ${r.evalEvery > 0 ? `every ${r.evalEvery} updates and ` : ''}at the end of each phase); end-of-phase scores average the last ${r.lastK} evaluation(s); ` +
      `trainable params ${r.trainableParams.toLocaleString('en-US')} of ${r.totalParams.toLocaleString('en-US')}; ${(1000 * r.secondsPerUpdate).toFixed(1)} ms per update; seed ${r.seed}`,
    '',
    '| performance | forgetting | forward transfer | retention | retention (base) |',
    '|---|---|---|---|---|',
    `| ${f3(r.performance)} | ${f3(r.forgetting?.mean)} | ${f3(r.forward_transfer?.mean)} | ${f3(r.retention?.mean)} | ${f3(r.retention?.baseMean)} |`,
    '',
    '## Per task',
    '',
    '| # | task | update 0 | end of own phase | final | forgetting | AUC | AUC (reference) | forward transfer |',
    '|---|---|---|---|---|---|---|---|---|',
    ...r.tasks.map(
      (t, j) =>
        `| ${j} | ${t} | ${f3(r.initial[j])} | ${f3(r.matrix?.[j]?.[j])} | ${f3(r.final[j])} | ${f3(r.forgetting?.perTask[j])} | ${f3(r.auc?.[j])} | ${f3(r.forward_transfer?.referenceAuc[j])} | ${f3(r.forward_transfer?.perTask[j])} |`,
    ),
  ];
  if (r.matrix) {
    lines.push('', '## Matrix', '', 'Row p: every task\'s score at the end of phase p (after training task p).', '');
    lines.push(`| after phase | ${r.tasks.map((t, j) => `${j} ${short(t)}`).join(' | ')} |`, `|---|${r.tasks.map(() => '---').join('|')}|`);
    r.matrix.forEach((row, p) => lines.push(`| ${p} ${short(r.tasks[p]!)} | ${row.map((x, j) => (j === p ? `**${f3(x)}**` : f3(x))).join(' | ')} |`));
  }
  if (r.pretrainKeys) {
    const k = r.pretrainKeys;
    lines.push('', '## Pre-training keys', '', `${k.keys} keys (${k.params.toLocaleString('en-US')} parameters) learned before the first task: ${k.steps} updates at batch ${k.batchSize}, lr ${k.lr}, on ${k.tasks.length} pre-training tasks (the pool frozen, no modulation); final key-pull loss ${f3(k.finalLoss)}. At evaluation a window matching one of them is not modulated.`);
  }
  if (r.retention) {
    const ret = r.retention;
    const without = ret.withoutPretrainKeys;
    lines.push('', `## Retention (${ret.tasks.length} pre-training tasks, ${ret.episodes} episodes each)`, '');
    if (ret.modulation === 'off') lines.push('Evaluated with the modulation off (the oracle has no block for a pre-training task): the frozen base.', '');
    lines.push(without ? '| task | adapted | adapted, without pre-training keys | base |' : '| task | adapted | base |', without ? '|---|---|---|---|' : '|---|---|---|');
    for (const [i, t] of ret.tasks.entries()) lines.push(without ? `| ${t.task} | ${f3(t.score)} | ${f3(without.tasks[i]?.score)} | ${f3(t.base)} |` : `| ${t.task} | ${f3(t.score)} | ${f3(t.base)} |`);
    lines.push(without ? `| **mean** | ${f3(ret.mean)} | ${f3(without.mean)} | ${f3(ret.baseMean)} |` : `| **mean** | ${f3(ret.mean)} | ${f3(ret.baseMean)} |`);
  }
  if (r.notes.length > 0) lines.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}
