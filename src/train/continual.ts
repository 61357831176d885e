/**
 * Continual adaptation of a pre-trained Decision Transformer (L2M's offline Continual World protocol,
 * l2m-spec.md sections 3-5, docs/continual.md), top to bottom:
 *
 *   load the base -> attach the method (as `l2m finetune`: `adaptedModel`) -> one AdamW over the
 *   method's trainable parameters, kept across tasks (optionally reset at each switch) ->
 *   evaluation of every task at update 0 -> for each task i of the sequence:
 *     method.beginTask -> `stepsPerTask` updates of the shared training step on task i's data only
 *     (evaluating every task every `eval.every` updates) -> method.endTask (with batches of task i) ->
 *     method.retraining's extra updates on task i (PackNet; not counted in the protocol's updates) ->
 *     evaluation of every task (the end of phase i) -> a per-phase adapter snapshot
 *   -> retention on pre-training tasks beside the base's cached scores -> results.json / results.md.
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
 * and the checkpoint records where in the protocol the run stands (phase, step, evaluations made), so a
 * resumed run redoes exactly what had not been checkpointed. Checkpoints are written every
 * `checkpointEvery` updates, after every evaluation, after each endTask and at each task switch.
 * A method's `restore` must bring it back to where `state` was taken: hooks are not replayed.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.ts';
import { writeFileAtomic } from '../torch/atomic-write.ts';
import { assertFiniteBatch, batchToInputs } from '../model/batch-inputs.ts';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import { loadTaskDatasets, type Dataset } from '../data/dataset.ts';
import { finalPath } from '../data/episode-writer.ts';
import { TrajectorySampler, type SamplerState } from '../data/sampler.ts';
import { deriveSeed } from '../data/seeds.ts';
import { resolveTasks, taskEntry } from '../envs/registry.ts';
import { setAssetDir } from '../envs/mujoco.ts';
import type { Domain } from '../envs/types.ts';
import { evaluate, type TaskResult } from '../eval/evaluate.ts';
import { mean } from '../eval/metrics.ts';
import { continualMetrics, forwardTransfer, parseEvalCsv, windowMean, type ContinualEvalRow, type ContinualMetrics, type ForwardTransfer } from '../eval/continual-metrics.ts';
import { baseIdentity, trainableParameters } from '../adapt/inject.ts';
import { saveAdapter } from '../adapt/checkpoint.ts';
import type { AdaptMethod, TaskInfo } from '../adapt/method.ts';
import { readTrainCheckpoint, writeTrainCheckpoint } from './checkpoints.ts';
import { adamwGroups } from './optimizer.ts';
import { trainStep, updateSeed } from './step.ts';
import { adaptedModel } from './finetune.ts';
import type { FinetuneConfig } from './finetune-config.ts';
import { baseScores } from './base-scores.ts';
import { resumableView, type ContinualConfig } from './continual-config.ts';
import { ContinualLog } from './continual-log.ts';

export interface ContinualHooks {
  onLog?(line: string): void;
  onUpdate?(update: number, total: number, loss: number): void;
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

export interface ContinualResults {
  name: string;
  mode: 'sequential' | 'multitask';
  /** The sequence as configured (a set name, a '+' join, or a list). */
  sequence: string | string[];
  tasks: string[];
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
  /** Scores at update 0. */
  initial: number[];
  /** matrix[p][j]: task j at the end of phase p (null for multi-task runs). */
  matrix: number[][] | null;
  final: number[];
  performance: number;
  forgetting: { perTask: number[]; mean: number } | null;
  /** Per task, the mean score over the evaluations of its own phase (null for multi-task runs). */
  auc: number[] | null;
  /** Absent without reference runs (see notes). */
  forward_transfer?: ForwardTransfer & { references: Record<string, Array<{ run: string; auc: number }>> };
  retention: { tasks: TaskScore[]; mean: number; baseMean: number; episodes: number } | null;
  notes: string[];
}

/**
 * Where a phase stands: 'begin' (beginTask next), 'train' (its updates), 'retrain' (the method's
 * retraining after endTask, PackNet's), 'ended' (the end-of-phase evaluation next).
 */
type Step = 'begin' | 'train' | 'retrain' | 'ended';

interface Cursor {
  phase: number;
  step: Step;
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

/** Where each task's dataset is, checked before anything is trained. */
async function datasetPaths(cfg: ContinualConfig, tasks: string[]): Promise<{ paths: string[]; domains: Domain[] }> {
  const domains: Domain[] = [];
  for (const t of tasks) domains.push((await taskEntry(t)).domain);
  const dirOf = (d: Domain): string => (d === 'dmc' ? (cfg.data.dmcDir ?? cfg.data.dir) : cfg.data.dir);
  const paths = tasks.map((t, i) => finalPath(dirOf(domains[i]!), t));
  const missing = tasks.filter((_, i) => !fs.existsSync(paths[i]!));
  const dmcMissing = missing.filter((t) => domains[tasks.indexOf(t)] === 'dmc');
  if (dmcMissing.length > 0 && cfg.data.dmcDir === undefined) {
    const dmc = tasks.filter((_, i) => domains[i] === 'dmc');
    const anyDmc = dmc.some((t) => !dmcMissing.includes(t));
    throw new Error(
      `the sequence has DMControl tasks (${dmc.join(', ')}) but ${anyDmc ? `no dataset for ${dmcMissing.join(', ')}` : 'no DMControl data'} in ${path.resolve(cfg.data.dir)}: ` +
        `set data.dmcDir to the folder of their datasets (\`l2m data collect --tasks ${dmcMissing.join(',')} --out <dir>\`, or \`l2m data import\`)`,
    );
  }
  if (missing.length > 0) {
    const where = [...new Set(missing.map((t) => path.resolve(path.dirname(paths[tasks.indexOf(t)]!))))].join(', ');
    throw new Error(`no dataset for ${missing.join(', ')} in ${where} (expected <task>.npz; collect with \`l2m data collect --tasks ${missing.join(',')} --out <dir>\`)`);
  }
  return { paths, domains };
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

function buildOptimizer(model: DecisionTransformer, cfg: ContinualConfig, groupsByName?: string[][]): { optimizer: torch.optim.AdamW; names: string[][] } {
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
  const optimizer = new torch.optim.AdamW(groups, { lr: cfg.train.lr, betas: cfg.train.betas, weightDecay: cfg.train.weightDecay });
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
  const { paths: dataPaths, domains } = await datasetPaths(cfg, tasks);
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
  const { model, method, stateNorm, identity, checkpoint } = adaptedModel(cfg);
  try {
    if (multitask && (method.beginTask || method.endTask || method.viewFor)) {
      throw new Error(`mode: multitask trains one model on all tasks at once; the '${method.name}' method works task by task (it has task hooks): use it with mode: sequential, or take a method such as full or lora`);
    }
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

    const log = new ContinualLog(runDir, N);
    let update = 0;
    let cursor: Cursor = { phase: 0, step: 'begin' };
    let events = 0;
    let lastEval = -1;
    let trainSeconds = 0;
    let window = { sum: 0, count: 0 };
    let retrainWindow = { sum: 0, count: 0 };
    let retrainRecords = 0;
    let current: { sampler: TrajectorySampler; ids: number[] } | undefined;
    let opt: { optimizer: torch.optim.AdamW; names: string[][] };
    const saved = opts.resume ? peekMeta(ckptDir) : undefined;
    if (saved) {
      opt = buildOptimizer(model, cfg, saved.optimizerParams);
      const meta = readTrainCheckpoint(ckptDir, { model, optimizer: opt.optimizer }) as ContinualCheckpointMeta;
      ({ update, cursor, events, lastEval, trainSeconds, window, retrainWindow, retrainRecords } = meta);
      if (meta.methodState !== undefined) method.restore?.(meta.methodState);
      if (cursor.step === 'train' || cursor.step === 'retrain') {
        current = samplerFor(cursor.phase, cursor.step);
        current.sampler.restore(meta.sampler!);
      }
      log.truncate(update, events, retrainRecords);
      hooks.onLog?.(`resumed ${runDir} at update ${update} (phase ${cursor.phase}, ${cursor.step})`);
    } else {
      opt = buildOptimizer(model, cfg);
      log.truncate(0, 0, 0);
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
        sampler: (cursor.step === 'train' || cursor.step === 'retrain') && current ? current.sampler.state() : null,
        cursor,
        events,
        lastEval,
        trainSeconds,
        window,
        retrainWindow,
        retrainRecords,
        optimizerParams: opt.names,
        model: model.cfg,
        ...(method.state ? { methodState: method.state() } : {}),
        ...(stateNorm ? { stateNorm: stateNorm.toJSON() } : {}),
      };
      writeTrainCheckpoint(ckptDir, { model, optimizer: opt.optimizer, meta });
      writeProgress();
    };

    const evalBase = { episodes: cfg.eval.episodes, workers: cfg.eval.workers, concurrentEnvs: cfg.eval.concurrentEnvs, maxEpisodeSteps: cfg.eval.maxEpisodeSteps, stateNorm, onStep: hooks.onEvalStep };
    /** Evaluates every task, logs the event, checkpoints. */
    const evaluateAll = async (phase: number, what: string): Promise<void> => {
      hooks.onEvalStart?.(update, what);
      const started = performance.now();
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
        if (cursor.step === 'begin') {
          if (update === 0 && lastEval < 0) await evaluateAll(0, 'every task before training (update 0)');
          if (p > 0 && cfg.train.resetOptimizer) resetOptimizer();
          if (!multitask && method.beginTask) {
            torch.manualSeed(deriveSeed(cfg.seed, 'beginTask', p));
            method.beginTask(model, info(p));
            model.train();
          }
          current = samplerFor(p, 'train');
          cursor = { phase: p, step: 'train' };
          hooks.onPhase?.(p, phaseTask(p), 'begin');
        }
        if (cursor.step === 'train') {
          const { sampler, ids } = current!;
          while (update < end) {
            if (cfg.eval.every > 0 && update % cfg.eval.every === 0 && update > start && lastEval < update) await evaluateAll(p, `every task at update ${update} (phase ${p}: ${phaseTask(p)})`);
            const started = performance.now();
            const { loss, gradNorm } = trainStep(
              model,
              opt.optimizer,
              () => {
                const batch = sampler.next();
                assertFiniteBatch(batch, update);
                return batchToInputs(batch, stateNorm, ids);
              },
              { accumulation: cfg.train.accumulation, gradClip: cfg.train.gradClip, seed: updateSeed(cfg.seed, update), method, update },
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
              nextBatch: () => {
                const batch = taskSampler.next();
                assertFiniteBatch(batch, update);
                return batchToInputs(batch, stateNorm, taskIdsOfData);
              },
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
              () => {
                const batch = sampler.next();
                assertFiniteBatch(batch, update);
                return batchToInputs(batch, stateNorm, ids);
              },
              { accumulation: cfg.train.accumulation, gradClip: cfg.train.gradClip, seed: deriveSeed(cfg.seed, 'retrain', p, k), method, update },
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
        // cursor.step === 'ended': the end-of-phase evaluation, the phase's snapshot, the switch.
        await evaluateAll(p, multitask ? `every task at the end (update ${update})` : `every task at the end of phase ${p} (${phaseTask(p)}, update ${update})`);
        log.phase(events - 1, update, p, phaseTask(p), 'end');
        saveSnapshot(path.join(runDir, 'phases', `${String(p).padStart(2, '0')}-${phaseTask(p)}`), model, method, injectionTrainables, identity, { phase: p, task: phaseTask(p), update });
        cursor = { phase: p + 1, step: 'begin' };
        saveCheckpoint();
      }
    } finally {
      opt.optimizer.dispose();
    }

    // Retention on pre-training tasks, the base beside on the same episodes.
    const retEpisodes = cfg.eval.retentionEpisodes ?? cfg.eval.episodes;
    let retention: ContinualResults['retention'] = null;
    if (retentionTasks.length > 0) {
      hooks.onEvalStart?.(update, `${retentionTasks.length} retention tasks`);
      const r = await evaluate(model, { ...evalBase, tasks: retentionTasks, episodes: retEpisodes, seed: cfg.eval.seed });
      const b = await baseScores(
        { base: cfg.base, identity, cacheDir: cfg.eval.baseScoreCache ?? path.join(cfg.outDir, '.base-scores'), episodes: retEpisodes, seed: cfg.eval.seed, workers: cfg.eval.workers, concurrentEnvs: cfg.eval.concurrentEnvs, maxEpisodeSteps: cfg.eval.maxEpisodeSteps },
        retentionTasks,
      );
      retention = { tasks: r.tasks.map((t, i) => ({ task: t.task, score: t.score, base: b.tasks[i]!.score })), mean: r.meanScore, baseMean: b.meanScore, episodes: retEpisodes };
    }

    const rows = parseEvalCsv(fs.readFileSync(log.evalCsv, 'utf8'), log.evalCsv);
    const results = assembleResults(cfg, tasks, rows, references, { method, base: checkpoint, updates: update, trainable: params.trainable, total: params.total, secondsPerUpdate: update > 0 ? trainSeconds / update : Number.NaN, retention });
    writeFileAtomic(path.join(runDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileAtomic(path.join(runDir, 'results.md'), continualMarkdown(results));
    writeProgress(true);
    return results;
  } finally {
    model.dispose();
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

const f3 = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(3));
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
  if (r.retention) {
    lines.push('', `## Retention (${r.retention.tasks.length} pre-training tasks, ${r.retention.episodes} episodes each)`, '', '| task | adapted | base |', '|---|---|---|');
    for (const t of r.retention.tasks) lines.push(`| ${t.task} | ${f3(t.score)} | ${f3(t.base)} |`);
    lines.push(`| **mean** | ${f3(r.retention.mean)} | ${f3(r.retention.baseMean)} |`);
  }
  if (r.notes.length > 0) lines.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}
