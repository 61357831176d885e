/**
 * `trainSac`: trains SAC on one task (pytorch_sac's protocol, see `sac-learner.ts`), evaluating the
 * deterministic policy tanh(mu) every `evalEvery` environment steps, logging metrics, and writing
 * a checkpoint (agent, optimisers, replay buffer, counters) at the first episode end after every
 * `checkpointEvery` steps and at the end. `resume` continues from the checkpoint bit-identically.
 *
 * Run folder: `checkpoint/`, `metrics.jsonl`, `train.csv`, `eval.csv` (the learning curve).
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeEnv } from '../envs/registry.ts';
import type { Env } from '../envs/types.ts';
import { hasSacCheckpoint, loadSacCheckpoint, readSacCheckpointInfo, saveSacCheckpoint } from './checkpoint.ts';
import { evaluatePolicy, type PolicyEval } from './evaluate.ts';
import { SacMetrics, type EpisodeRecord } from './metrics.ts';
import { sacConfig, type SacConfig } from './sac-config.ts';
import { SacLearner } from './sac-learner.ts';
import type { SacUpdateStats } from './sac.ts';

export interface TrainSacOptions {
  task: string;
  /** Total environment steps (= transitions in the replay buffer). */
  steps: number;
  /** Run folder. */
  out: string;
  seed?: number;
  /** Evaluate every this many environment steps (and at step 0); 0 disables. Default 10000. */
  evalEvery?: number;
  /** Episodes per evaluation (default 10). */
  evalEpisodes?: number;
  /** Checkpoint at the first episode end after every this many steps (default: evalEvery, else 10000). */
  checkpointEvery?: number;
  /** Continue from `<out>/checkpoint` (the run's settings must match; `steps` may grow). */
  resume?: boolean;
  /** Replace an existing run in `out`. */
  force?: boolean;
  config?: Partial<SacConfig>;
  /** Episode length (default: the task's, 1000 for DMControl). */
  maxEpisodeSteps?: number;
  onEpisode?(r: EpisodeRecord): void;
  onEval?(step: number, e: PolicyEval): void;
  /** Checked after every episode; true saves a checkpoint and stops (resumable). */
  shouldStop?(): boolean;
}

export interface TrainSacResult {
  out: string;
  steps: number;
  episodes: number;
  /** Every evaluation of the run so far (env step, mean return, normalised score). */
  curve: { step: number; meanReturn: number; normalizedScore: number | null }[];
  stopped: boolean;
  /** The learner (caller disposes it, or use `keepLearner: false`). */
  learner?: SacLearner;
}

interface RunMeta {
  maxEpisodeSteps: number;
  evalEvery: number;
  evalEpisodes: number;
  /** Next evaluation step (null: evaluation off). */
  nextEval: number | null;
}

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new Error(`train-sac: ${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

export async function trainSac(opts: TrainSacOptions & { keepLearner?: boolean }): Promise<TrainSacResult> {
  const steps = positiveInt('steps', opts.steps);
  const seed = positiveInt('seed', opts.seed ?? 1, 0);
  const evalEvery = positiveInt('evalEvery', opts.evalEvery ?? 10_000, 0);
  const evalEpisodes = positiveInt('evalEpisodes', opts.evalEpisodes ?? 10);
  const checkpointEvery = positiveInt('checkpointEvery', opts.checkpointEvery ?? (evalEvery || 10_000));
  if (opts.resume && opts.force) throw new Error('train-sac: resume and force exclude each other');
  const config = sacConfig(opts.config);
  const ckptDir = path.join(opts.out, 'checkpoint');

  const env = await makeEnv(opts.task, { obsLayout: 'flat', maxEpisodeSteps: opts.maxEpisodeSteps });
  let evalEnv: Env | undefined;
  let learner: SacLearner | undefined;
  try {
    if (env.observationSpace.shape.length !== 1) throw new Error(`${opts.task}: SAC needs flat observations, got shape [${env.observationSpace.shape.join(', ')}]`);
    const exists = hasSacCheckpoint(ckptDir);
    if (exists && !opts.resume && !opts.force) throw new Error(`${opts.out} already holds a SAC run (pass --resume to continue it or --force to start over)`);
    if (opts.resume && !exists) throw new Error(`${ckptDir}: nothing to resume (no complete checkpoint)`);
    let capacity = steps;
    if (opts.resume) capacity = Math.max(capacity, readSacCheckpointInfo(ckptDir).counters.steps);
    learner = new SacLearner({ task: opts.task, seed, obsDim: env.observationSpace.shape[0]!, actionSpace: env.actionSpace, config, capacity });
    const metrics = new SacMetrics(opts.out);
    let nextEval = evalEvery > 0 ? 0 : Infinity;
    if (opts.resume) {
      const { meta, extra } = loadSacCheckpoint(ckptDir, learner);
      for (const t of Object.values(extra)) t.dispose();
      const m = meta as RunMeta;
      if (m.maxEpisodeSteps !== env.maxEpisodeSteps) throw new Error(`${ckptDir}: the run used ${m.maxEpisodeSteps}-step episodes, this one ${env.maxEpisodeSteps}`);
      if (m.evalEvery !== evalEvery || m.evalEpisodes !== evalEpisodes) {
        throw new Error(`${ckptDir}: the run evaluated ${m.evalEpisodes} episodes every ${m.evalEvery} steps; resume with the same --eval-every and --eval-episodes`);
      }
      nextEval = m.nextEval ?? Infinity;
      metrics.truncateAfter(learner.steps);
    } else {
      if (opts.force) fs.rmSync(ckptDir, { recursive: true, force: true });
      metrics.truncateAfter(-1);
    }
    evalEnv = await makeEnv(opts.task, { obsLayout: 'flat', maxEpisodeSteps: opts.maxEpisodeSteps });
    const runMeta = (): RunMeta => ({ maxEpisodeSteps: env.maxEpisodeSteps, evalEvery, evalEpisodes, nextEval: Number.isFinite(nextEval) ? nextEval : null });
    const evaluate = (): void => {
      const e = evaluatePolicy(evalEnv!, (obs) => learner!.actDeterministic(obs), { task: opts.task, seed, episodes: evalEpisodes });
      metrics.eval(learner!.steps, e);
      opts.onEval?.(learner!.steps, e);
      nextEval += evalEvery;
    };

    if (learner.steps === nextEval) evaluate();
    let lastCheckpoint = learner.steps;
    let stopped = false;
    while (learner.steps < steps) {
      const t0 = performance.now();
      const startStep = learner.steps;
      const episode = learner.episodes;
      let obs = env.reset(learner.beginEpisode());
      let ret = 0;
      const sums = { criticLoss: 0, actorLoss: 0, alpha: 0, entropy: 0, q: 0 };
      let updates = 0;
      let actorUpdates = 0;
      for (let n = 1; ; n++) {
        const action = learner.act(obs);
        const r = env.step(action);
        const end = r.terminated || r.truncated || n >= env.maxEpisodeSteps || learner.steps + 1 >= steps;
        const s: SacUpdateStats | undefined = learner.observe(obs, action, r.reward, r.obs, r.terminated, end && !r.terminated);
        if (s) {
          updates++;
          sums.criticLoss += s.criticLoss;
          sums.alpha += s.alpha;
          sums.q += s.q;
          if (s.actorLoss !== undefined) {
            actorUpdates++;
            sums.actorLoss += s.actorLoss;
            sums.entropy += s.entropy!;
          }
        }
        ret += r.reward;
        obs = r.obs;
        if (learner.steps === nextEval) evaluate();
        if (end) break;
      }
      const length = learner.steps - startStep;
      const record: EpisodeRecord = {
        step: learner.steps,
        episode,
        return: ret,
        length,
        stepsPerSecond: length / ((performance.now() - t0) / 1000),
      };
      if (updates) Object.assign(record, { criticLoss: sums.criticLoss / updates, alpha: sums.alpha / updates, q: sums.q / updates });
      if (actorUpdates) Object.assign(record, { actorLoss: sums.actorLoss / actorUpdates, entropy: sums.entropy / actorUpdates });
      metrics.episode(record);
      opts.onEpisode?.(record);
      stopped = learner.steps < steps && (opts.shouldStop?.() ?? false);
      if (learner.steps - lastCheckpoint >= checkpointEvery || learner.steps >= steps || stopped) {
        saveSacCheckpoint(ckptDir, learner, { meta: runMeta() });
        lastCheckpoint = learner.steps;
      }
      if (stopped) break;
      // Let signals and messages through between episodes.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const result: TrainSacResult = { out: opts.out, steps: learner.steps, episodes: learner.episodes, curve: metrics.curve(), stopped };
    if (opts.keepLearner) {
      result.learner = learner;
      learner = undefined;
    }
    return result;
  } finally {
    learner?.dispose();
    evalEnv?.close();
    env.close();
  }
}
