/**
 * Evaluation rollouts of a Decision Transformer, conditioned on the original's target returns:
 * R_0 = target / rewardScale, then R_(t+1) = min(R_t - r_t / rewardScale, R_0). All episodes of all
 * tasks of a domain run as batches of environments (up to `concurrentEnvs` at once, spread over worker
 * threads), decoded together.
 * Meta-World reports success read at the final step (as the original) and at any step; DMControl the
 * return and the data-normalised score.
 */
import * as torch from '../torch/index.ts';
import { ActionTokenizer } from '../data/action-tokenizer.ts';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import { decodeActionTokens } from '../model/decode.ts';
import { VectorEnv } from '../envs/vector.ts';
import { MAX_ENVS_PER_THREAD } from '../envs/mujoco.ts';
import { taskEntry } from '../envs/registry.ts';
import { REWARD_SCALE, targetReturn } from '../envs/targets.ts';
import { hasNormalizedScore, normalizedScore } from '../envs/dmc/scores.ts';
import type { Domain } from '../envs/types.ts';
import { EpisodeContext } from './context.ts';
import type { StateNormalizer } from '../data/state-norm.ts';
import { interquartileMean, mean, std } from './metrics.ts';

export interface EvalOptions {
  tasks: string[];
  episodes: number;
  /** Env j of the batch is seeded seed + j. */
  seed?: number;
  /** Worker threads for the environments (default: one per core; more when a thread would hold over `MAX_ENVS_PER_THREAD` envs). */
  workers?: number;
  /** Episodes of a domain run at once (default `DEFAULT_CONCURRENT_ENVS`); more are run in rounds. */
  concurrentEnvs?: number;
  /** Override the domain's episode length (200 Meta-World, 1000 DMControl). */
  maxEpisodeSteps?: number;
  /** Use the key/value cache when decoding (default true). */
  cached?: boolean;
  /** The state standardisation the model was trained with (from its checkpoint); none by default. */
  stateNorm?: StateNormalizer;
  /**
   * The task index each task's windows carry (`DTInputs.taskIds`), for adaptation methods that read
   * it (per-task modules, oracles); tasks not listed get none (-1 is never given).
   */
  taskIds?: Readonly<Record<string, number>>;
  /** Called after every environment step of a domain batch. */
  onStep?: (domain: Domain, step: number, maxSteps: number) => void;
}

export interface TaskResult {
  task: string;
  domain: Domain;
  episodes: number;
  returns: number[];
  meanReturn: number;
  stdReturn: number;
  /** Meta-World: success at the final step (the original's metric). */
  successRate?: number;
  /** Meta-World: success at any step. */
  anySuccessRate?: number;
  /** DMControl: data-normalised score of the mean return. */
  normalizedScore?: number;
  /** The per-task score used for aggregates: success rate or normalised score. */
  score: number;
}

export interface EvalReport {
  tasks: TaskResult[];
  meanScore: number;
  iqmScore: number;
  byDomain: Partial<Record<Domain, { meanScore: number; iqmScore: number; tasks: number }>>;
  envSteps: number;
  seconds: number;
}

export async function evaluate(model: DecisionTransformer, opts: EvalOptions): Promise<EvalReport> {
  if (!Number.isInteger(opts.episodes) || opts.episodes < 1) throw new Error(`evaluate: episodes must be a positive integer, got ${opts.episodes}`);
  if (opts.tasks.length === 0) throw new Error('evaluate: no tasks given');
  const byDomain = new Map<Domain, string[]>();
  for (const t of opts.tasks) {
    const e = await taskEntry(t);
    byDomain.set(e.domain, [...(byDomain.get(e.domain) ?? []), e.name]);
  }
  const wasTraining = model.training;
  model.eval();
  const started = performance.now();
  const results: TaskResult[] = [];
  let envSteps = 0;
  try {
    for (const [domain, tasks] of byDomain) {
      const r = await evaluateDomain(model, domain, tasks, opts);
      results.push(...r.results);
      envSteps += r.envSteps;
    }
  } finally {
    model.train(wasTraining);
  }
  const order = new Map(opts.tasks.map((t, i) => [t, i]));
  results.sort((a, b) => (order.get(a.task) ?? 0) - (order.get(b.task) ?? 0));
  const report: EvalReport = {
    tasks: results,
    meanScore: mean(results.map((r) => r.score)),
    iqmScore: interquartileMean(results.map((r) => r.score)),
    byDomain: {},
    envSteps,
    seconds: (performance.now() - started) / 1000,
  };
  for (const domain of byDomain.keys()) {
    const scores = results.filter((r) => r.domain === domain).map((r) => r.score);
    report.byDomain[domain] = { meanScore: mean(scores), iqmScore: interquartileMean(scores), tasks: scores.length };
  }
  return report;
}

/** Environments of one domain run at once by default: decoding batches well, and bounded memory (envs of a scene share one compiled model per thread, docs/performance.md). */
export const DEFAULT_CONCURRENT_ENVS = 64;

async function evaluateDomain(model: DecisionTransformer, domain: Domain, tasks: string[], opts: EvalOptions): Promise<{ results: TaskResult[]; envSteps: number }> {
  const envTasks = tasks.flatMap((t) => new Array<string>(opts.episodes).fill(t));
  const n = envTasks.length;
  let perRound = opts.concurrentEnvs ?? DEFAULT_CONCURRENT_ENVS;
  if (!Number.isInteger(perRound) || perRound < 1) throw new Error(`evaluate: concurrentEnvs must be a positive integer, got ${opts.concurrentEnvs}`);
  if (opts.workers === 0) perRound = Math.min(perRound, MAX_ENVS_PER_THREAD); // one wasm memory holds them all
  const returns = new Float64Array(n);
  const finalSuccess = new Float64Array(n);
  const anySuccess = new Uint8Array(n);
  let envSteps = 0;
  // Episodes run in rounds of at most `perRound` envs; episode j is seeded seed + j whatever the rounds.
  for (let start = 0; start < n; start += perRound) {
    const end = Math.min(n, start + perRound);
    envSteps += await rolloutRound(model, domain, envTasks.slice(start, end), (opts.seed ?? 0) + start, opts, {
      returns: returns.subarray(start, end),
      finalSuccess: finalSuccess.subarray(start, end),
      anySuccess: anySuccess.subarray(start, end),
    });
  }
  const results = tasks.map((task, k): TaskResult => {
    const idx = Array.from({ length: opts.episodes }, (_, e) => k * opts.episodes + e);
    const rets = idx.map((i) => returns[i]!);
    const res: TaskResult = { task, domain, episodes: opts.episodes, returns: rets, meanReturn: mean(rets), stdReturn: std(rets), score: 0 };
    if (domain === 'metaworld') {
      res.successRate = mean(idx.map((i) => finalSuccess[i]!));
      res.anySuccessRate = mean(idx.map((i) => anySuccess[i]!));
      res.score = res.successRate;
    } else if (hasNormalizedScore(task)) {
      res.normalizedScore = normalizedScore(task, res.meanReturn);
      res.score = res.normalizedScore;
    } else {
      res.score = res.meanReturn;
    }
    return res;
  });
  return { results, envSteps };
}

/**
 * Env steps between two `torch.trimMalloc()` calls in a round. The process keeps freed memory in its
 * malloc heaps (src/torch/native.ts), which suits training but here leaves resident what the threads
 * freed and will not use again: V8's compilation of each round's new workers' WebAssembly, and the
 * arenas of the previous round's workers, which have exited. A call takes 4-7 ms (25 steps about 1 s).
 */
const TRIM_EVERY = 25;

/** One batch of episodes (env i seeded seed + i), decoded together; writes each episode's outcome into `out`. */
async function rolloutRound(
  model: DecisionTransformer,
  domain: Domain,
  envTasks: string[],
  seed: number,
  opts: EvalOptions,
  out: { returns: Float64Array; finalSuccess: Float64Array; anySuccess: Uint8Array },
): Promise<number> {
  const n = envTasks.length;
  const scale = REWARD_SCALE[domain];
  const envs = await VectorEnv.create({ tasks: envTasks, seed, maxEpisodeSteps: opts.maxEpisodeSteps, workers: opts.workers ?? VectorEnv.defaultWorkers(n) });
  const cfg = model.cfg;
  const tokenizer = new ActionTokenizer(cfg.actionBins);
  const ctx = new EpisodeContext({ numEnvs: n, contextLength: cfg.contextLength, stateDim: cfg.stateDim, maxActDim: cfg.maxActDim }, tokenizer);
  const R0 = envTasks.map((t) => targetReturn(t) / scale);
  const rtg = Float64Array.from(R0);
  const done = new Uint8Array(n);
  const actDim = envs.actDim;
  const { returns, finalSuccess, anySuccess } = out;
  const norm = opts.stateNorm;
  const ids = opts.taskIds;
  if (ids && envTasks.some((t) => ids[t] === undefined)) throw new Error(`evaluate: no task id for ${[...new Set(envTasks.filter((t) => ids[t] === undefined))].join(', ')} (EvalOptions.taskIds)`);
  const taskIds = ids ? Int32Array.from(envTasks, (t) => ids[t]!) : undefined;
  const standardise = norm && ((states: Float32Array, real: Uint8Array) => norm.apply(domain, states, real));
  let envSteps = 0;
  try {
    let obs = await envs.reset();
    for (let t = 0; done.some((d) => d === 0); t++) {
      if (t >= cfg.maxEpisodeLength) throw new Error(`evaluate: episode longer than the model's ${cfg.maxEpisodeLength} timesteps (maxEpisodeLength)`);
      for (let i = 0; i < n; i++) if (!done[i]) ctx.push(i, obs.subarray(i * envs.obsDim, i * envs.obsDim + envs.obsDims[i]!), rtg[i]!, t);
      const tokens = torch.tidy(() => {
        const x = ctx.toInputs(standardise);
        if (taskIds) x.taskIds = torch.tensor(taskIds, { dtype: 'int64' });
        return decodeActionTokens(model, x, actDim, opts.cached ?? true);
      });
      const actions = new Float64Array(n * actDim);
      for (let i = 0; i < n * actDim; i++) actions[i] = tokenizer.decode(tokens[i]!);
      const step = await envs.step(actions);
      envSteps += n;
      for (let i = 0; i < n; i++) {
        if (done[i]) continue;
        const r = step.rewards[i]!;
        ctx.complete(i, actions.subarray(i * actDim, i * actDim + envs.actDims[i]!), r / scale);
        rtg[i] = Math.min(rtg[i]! - r / scale, R0[i]!);
        returns[i] += r;
        const s = step.success[i]!;
        if (s > 0) anySuccess[i] = 1;
        if (step.terminated[i] || step.truncated[i]) {
          done[i] = 1;
          finalSuccess[i] = Number.isNaN(s) ? Number.NaN : s > 0 ? 1 : 0;
        }
      }
      obs = step.obs;
      if (t % TRIM_EVERY === 0) torch.trimMalloc();
      opts.onStep?.(domain, t + 1, opts.maxEpisodeSteps ?? (domain === 'metaworld' ? 200 : 1000));
    }
  } finally {
    await envs.close();
  }
  return envSteps;
}
