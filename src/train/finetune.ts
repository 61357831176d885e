/**
 * Single-task fine-tuning of a pre-trained Decision Transformer with an adaptation method, top to
 * bottom: load the base -> attach the method -> the new task's dataset and sampler -> AdamW at a
 * constant learning rate over the method's trainable parameters -> the shared training step ->
 * periodic evaluation on the new task -> at the end, the new task and the retention tasks, each beside
 * the base's own score on the same episodes -> results.json / results.md and an adapter checkpoint.
 *
 * Resuming is exact, as pre-training: the update seeds the generator, the sampler's state and the
 * method's state are in the (atomic) checkpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.ts';
import { writeFileAtomic } from '../torch/atomic-write.ts';
import { loadDecisionTransformer } from '../model/load.ts';
import { nextInputs } from '../model/batch-inputs.ts';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import { TrajectorySampler, type SamplerState } from '../data/sampler.ts';
import { stableJson } from '../data/episode-writer.ts';
import type { StateNormalizer } from '../data/state-norm.ts';
import { resolveTasks } from '../envs/registry.ts';
import { setAssetDir } from '../envs/mujoco.ts';
import { evaluate, type EvalReport } from '../eval/evaluate.ts';
import { attachMethod, baseIdentity, trainableParameters } from '../adapt/inject.ts';
import { createMethod } from '../adapt/registry.ts';
import { saveAdapter } from '../adapt/checkpoint.ts';
import type { AdaptMethod } from '../adapt/method.ts';
import type { FinetuneConfig } from './finetune-config.ts';
import { trainIdentity } from './config.ts';
import { readTrainCheckpoint, restoreScaler, scalerMeta, writeTrainCheckpoint } from './checkpoints.ts';
import { enterRunDevice, mixedPrecision } from './run-device.ts';
import { MetricsLog } from './metrics-log.ts';
import { adamwGroups } from './optimizer.ts';
import { trainStep, updateSeed } from './step.ts';
import { loadTaskDatasetsIn } from './pretrain.ts';
import { baseScores } from './base-scores.ts';
import { formatScore } from '../eval/metrics.ts';

export interface FinetuneHooks {
  onUpdate?(update: number, total: number, loss: number): void;
  onEvalStart?(update: number, what: string): void;
  onEval?(update: number, report: EvalReport): void;
  onLog?(line: string): void;
}

export interface TaskScore {
  task: string;
  score: number;
  base: number;
}

export interface FinetuneResults {
  method: string;
  methodConfig: unknown;
  task: string;
  base: string;
  updates: number;
  trainableParams: number;
  totalParams: number;
  secondsPerUpdate: number;
  newTask: TaskScore & { episodes: number };
  retention: { tasks: TaskScore[]; mean: number; baseMean: number; episodes: number } | null;
  finalLoss: number;
}

/** Builds the base with the method attached (frozen base, method initialised with the run's seed). */
export function adaptedModel(cfg: Pick<FinetuneConfig, 'base' | 'method' | 'seed'> & { model?: FinetuneConfig['model'] }): { model: DecisionTransformer; method: AdaptMethod; stateNorm?: StateNormalizer; identity: string; checkpoint: string } {
  const { model, stateNorm, checkpoint } = loadDecisionTransformer(cfg.base, { dropout: cfg.model?.dropout });
  try {
    const identity = baseIdentity(model);
    const method = createMethod(cfg.method, 'method');
    torch.manualSeed(cfg.seed);
    attachMethod(model, method);
    return { model, method, stateNorm, identity, checkpoint };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/**
 * `adaptedModel` on the run's device (`train.device`, made libtorch's default for the run): the caller
 * calls `leaveDevice` when the run ends to restore the previous default.
 */
export function adaptedModelOnDevice(cfg: Parameters<typeof adaptedModel>[0] & { train: { device: string } }): ReturnType<typeof adaptedModel> & { leaveDevice: () => void } {
  const leaveDevice = enterRunDevice(cfg.train.device);
  try {
    return { ...adaptedModel(cfg), leaveDevice };
  } catch (err) {
    leaveDevice();
    throw err;
  }
}

export function finetuneRunDir(cfg: FinetuneConfig): string {
  return path.resolve(cfg.outDir, cfg.name);
}

export async function finetune(cfg: FinetuneConfig, opts: { resume?: boolean; hooks?: FinetuneHooks } = {}): Promise<FinetuneResults> {
  const hooks = opts.hooks ?? {};
  if (cfg.assets) setAssetDir(cfg.assets);
  if (cfg.threads.intraOp) torch.setNumThreads(cfg.threads.intraOp);
  if (cfg.threads.blas) torch.setBlasThreads(cfg.threads.blas);
  const runDir = finetuneRunDir(cfg);
  const ckptDir = path.join(runDir, 'checkpoint');
  const configFile = path.join(runDir, 'config.json');
  const existing = fs.existsSync(configFile);
  if (existing && !opts.resume) throw new Error(`${runDir} already holds a run: pass --resume to continue it, or choose another name (name=...) or outDir`);

  // Everything that can fail on bad input fails before the run folder is written.
  const [task] = await resolveTasks([cfg.task]);
  if (!task) throw new Error(`unknown task '${cfg.task}'`);
  const retentionTasks = cfg.eval.retention.length > 0 ? await resolveTasks(cfg.eval.retention) : [];
  const { datasets } = await loadTaskDatasetsIn(cfg.data.dir, [task]);
  const mixed = mixedPrecision(cfg.train);
  const { model, method, stateNorm, identity, checkpoint, leaveDevice } = adaptedModelOnDevice(cfg);
  const taskIds = { [task]: 0 };
  try {
    const domain = datasets[0]!.meta.domain;
    if (stateNorm && !(domain in stateNorm.stats)) {
      throw new Error(`${checkpoint}: the base standardises states per domain and was trained without ${domain} data, so it cannot be fine-tuned on ${task} (a ${domain} task)`);
    }
    if (opts.resume && existing) {
      const saved = JSON.parse(fs.readFileSync(configFile, 'utf8')) as FinetuneConfig;
      const strip = (c: FinetuneConfig): string => stableJson({ ...c, eval: undefined, train: { ...trainIdentity(c.train), steps: undefined } });
      if (strip(saved) !== strip(cfg)) throw new Error(`${runDir}: the config differs from the one the run started with (only train.steps and eval.* may change on --resume)`);
    }
    fs.mkdirSync(runDir, { recursive: true });
    writeFileAtomic(configFile, JSON.stringify(cfg, null, 2) + '\n');
    const params = trainableParameters(model);
    hooks.onLog?.(`${method.name} on ${task} from ${checkpoint}: ${params.line}`);

    const sampler = new TrajectorySampler(datasets, { batchSize: cfg.train.batchSize, contextLength: model.cfg.contextLength, seed: cfg.seed });
    const optimizer = new torch.optim.AdamW(adamwGroups(model, cfg.train.weightDecay), { lr: cfg.train.lr, betas: cfg.train.betas, weightDecay: cfg.train.weightDecay });
    const log = new MetricsLog(runDir);
    let update = 0;
    let trainSeconds = 0;
    if (opts.resume && fs.existsSync(ckptDir)) {
      const meta = readTrainCheckpoint(ckptDir, { model, optimizer });
      update = meta.update;
      trainSeconds = (meta.trainSeconds as number | undefined) ?? 0;
      sampler.restore(meta.sampler as SamplerState);
      restoreScaler(mixed, meta, ckptDir);
      if (meta.methodState !== undefined) method.restore?.(meta.methodState);
      log.truncateAfter(update, { redoEvalAt: update >= cfg.train.steps });
      hooks.onLog?.(`resumed ${runDir} at update ${update}`);
    } else {
      log.truncateAfter(0);
    }

    const evalNew = async (episodes: number, seed: number): Promise<EvalReport> => {
      const r = await evaluate(model, { tasks: [task], episodes, seed, workers: cfg.eval.workers, concurrentEnvs: cfg.eval.concurrentEnvs, maxEpisodeSteps: cfg.eval.maxEpisodeSteps, stateNorm, taskIds });
      return r;
    };

    const losses: number[] = [];
    let window = 0;
    let windowCount = 0;
    model.train();
    try {
      while (update < cfg.train.steps) {
        const started = performance.now();
        const { loss, gradNorm } = trainStep(
          model,
          optimizer,
          () => nextInputs(sampler, update, stateNorm),
          { accumulation: cfg.train.accumulation, gradClip: cfg.train.gradClip, seed: updateSeed(cfg.seed, update), method, update, mixedPrecision: mixed },
        );
        trainSeconds += (performance.now() - started) / 1000;
        update += 1;
        losses.push(loss);
        window += loss;
        windowCount += 1;
        hooks.onUpdate?.(update, cfg.train.steps, loss);
        if (update % cfg.train.logEvery === 0 || update === cfg.train.steps) {
          log.train(update, { loss: window / windowCount, lr: cfg.train.lr, gradNorm });
          window = 0;
          windowCount = 0;
        }
        // Evaluate before checkpointing: a run killed between the two redoes the evaluation, never skips it.
        if (cfg.eval.every > 0 && update % cfg.eval.every === 0 && update < cfg.train.steps) {
          hooks.onEvalStart?.(update, task);
          const r = await evalNew(cfg.eval.episodes, cfg.seed * 1000 + update);
          log.eval(update, r);
          hooks.onEval?.(update, r);
          model.train();
        }
        if (update % cfg.train.checkpointEvery === 0 || update === cfg.train.steps) {
          writeTrainCheckpoint(ckptDir, { model, optimizer, meta: { update, sampler: sampler.state(), model: model.cfg, trainSeconds, ...(method.state ? { methodState: method.state() } : {}), ...(stateNorm ? { stateNorm: stateNorm.toJSON() } : {}), ...scalerMeta(mixed) } });
        }
      }
    } finally {
      optimizer.dispose();
    }

    // The final evaluation: the new task and the retention tasks, the base on the same episodes.
    hooks.onEvalStart?.(update, `${task} and ${retentionTasks.length} retention tasks`);
    const finalNew = await evalNew(cfg.eval.episodes, cfg.eval.seed);
    log.eval(update, finalNew);
    hooks.onEval?.(update, finalNew);
    const retEpisodes = cfg.eval.retentionEpisodes ?? cfg.eval.episodes;
    const retention = retentionTasks.length > 0 ? await evaluate(model, { tasks: retentionTasks, episodes: retEpisodes, seed: cfg.eval.seed, workers: cfg.eval.workers, concurrentEnvs: cfg.eval.concurrentEnvs, maxEpisodeSteps: cfg.eval.maxEpisodeSteps, stateNorm }) : undefined;
    if (retention) hooks.onEval?.(update, retention);
    const cache = { base: cfg.base, identity, cacheDir: path.resolve(cfg.outDir, '.base-scores'), seed: cfg.eval.seed, workers: cfg.eval.workers, concurrentEnvs: cfg.eval.concurrentEnvs, maxEpisodeSteps: cfg.eval.maxEpisodeSteps };
    const baseNew = await baseScores({ ...cache, episodes: cfg.eval.episodes }, [task]);
    const baseRet = retentionTasks.length > 0 ? await baseScores({ ...cache, episodes: retEpisodes }, retentionTasks) : undefined;

    saveAdapter(path.join(runDir, 'adapter'), model, method, { identity, extra: { task, update } });
    const results: FinetuneResults = {
      method: method.name,
      methodConfig: method.config,
      task,
      base: checkpoint,
      updates: update,
      trainableParams: params.trainable,
      totalParams: params.total,
      secondsPerUpdate: update > 0 ? trainSeconds / update : Number.NaN,
      newTask: { task, score: finalNew.tasks[0]!.score, base: baseNew.tasks[0]!.score, episodes: cfg.eval.episodes },
      retention:
        retention && baseRet
          ? {
              tasks: retention.tasks.map((t, i) => ({ task: t.task, score: t.score, base: baseRet.tasks[i]!.score })),
              mean: retention.meanScore,
              baseMean: baseRet.meanScore,
              episodes: retEpisodes,
            }
          : null,
      finalLoss: losses.at(-1) ?? Number.NaN,
    };
    writeFileAtomic(path.join(runDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileAtomic(path.join(runDir, 'results.md'), resultsMarkdown(results));
    return results;
  } finally {
    model.dispose();
    leaveDevice();
  }
}

export function resultsMarkdown(r: FinetuneResults): string {
  const f = formatScore;
  const lines = [
    `# ${r.method} on ${r.task}`,
    '',
    `base: \`${r.base}\`; ${r.updates} updates; trainable params ${r.trainableParams.toLocaleString('en-US')} of ${r.totalParams.toLocaleString('en-US')} (${((100 * r.trainableParams) / r.totalParams).toFixed(2)}%); ${(1000 * r.secondsPerUpdate).toFixed(1)} ms per update`,
    '',
    '| task | adapted | base |',
    '|---|---|---|',
    `| **${r.task}** (new, ${r.newTask.episodes} episodes) | ${f(r.newTask.score)} | ${f(r.newTask.base)} |`,
  ];
  if (r.retention) {
    for (const t of r.retention.tasks) lines.push(`| ${t.task} | ${f(t.score)} | ${f(t.base)} |`);
    lines.push(`| **retention mean** (${r.retention.tasks.length} tasks, ${r.retention.episodes} episodes) | ${f(r.retention.mean)} | ${f(r.retention.baseMean)} |`);
  }
  return lines.join('\n') + '\n';
}
