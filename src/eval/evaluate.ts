/**
 * Evaluation rollouts of a Decision Transformer, conditioned on the original's target returns:
 * R_0 = target / rewardScale, then R_(t+1) = min(R_t - r_t / rewardScale, R_0). All episodes of all
 * tasks of a domain run as batches of environments (up to `concurrentEnvs` at once, spread over worker
 * threads), decoded together.
 * Meta-World reports success read at the final step (as the original) and at any step; DMControl the
 * return and the data-normalised score (R_data the original's data mean, or another table's: `dmcScores`).
 */
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import { MAX_ENVS_PER_THREAD } from '../envs/mujoco.ts';
import { taskEntry } from '../envs/registry.ts';
import { ORIGINAL_DMC_SCORES, hasNormalizedScore, normalizedScore, requireScoreReferences, type DmcScoreTable } from '../envs/dmc/scores.ts';
import type { Domain } from '../envs/types.ts';
import type { StateNormalizer } from '../data/state-norm.ts';
import { interquartileMean, mean, std } from './metrics.ts';
import { rolloutRound } from './rollout-round.ts';

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
  /**
   * Pipeline each round in two groups of envs, the workers stepping one while the other decodes (default
   * false). A round is pipelined only where its groups' first decoding equals the whole batch's bit for
   * bit, so results are the same either way (src/eval/rollout-round.ts). Needs workers; the first step
   * of each round is decoded twice more (counted by pool methods that record their selections).
   */
  overlap?: boolean;
  /**
   * The R_data of DMControl's data-normalised score (default: the original's data means; tasks it lacks
   * score their mean return). Another table must cover every DMControl task evaluated (checked first).
   */
  dmcScores?: DmcScoreTable;
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
  /** Where DMControl's R_data came from, when DMControl tasks were evaluated. */
  dmcScoreSource?: string;
  /** With `overlap`: rounds run, and how many of them were pipelined. */
  overlap?: { rounds: number; overlapped: number };
}

export async function evaluate(model: DecisionTransformer, opts: EvalOptions): Promise<EvalReport> {
  if (!Number.isInteger(opts.episodes) || opts.episodes < 1) throw new Error(`evaluate: episodes must be a positive integer, got ${opts.episodes}`);
  if (opts.tasks.length === 0) throw new Error('evaluate: no tasks given');
  if (opts.overlap !== undefined && typeof opts.overlap !== 'boolean') throw new Error(`evaluate: overlap must be true or false, got ${JSON.stringify(opts.overlap)}`);
  const byDomain = new Map<Domain, string[]>();
  for (const t of opts.tasks) {
    const e = await taskEntry(t);
    byDomain.set(e.domain, [...(byDomain.get(e.domain) ?? []), e.name]);
  }
  if (opts.dmcScores) requireScoreReferences(opts.dmcScores, byDomain.get('dmc') ?? []);
  const wasTraining = model.training;
  model.eval();
  const started = performance.now();
  const results: TaskResult[] = [];
  let envSteps = 0;
  const rounds = { rounds: 0, overlapped: 0 };
  try {
    for (const [domain, tasks] of byDomain) {
      const r = await evaluateDomain(model, domain, tasks, opts, rounds);
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
    ...(byDomain.has('dmc') ? { dmcScoreSource: (opts.dmcScores ?? ORIGINAL_DMC_SCORES).source } : {}),
    ...(opts.overlap ? { overlap: rounds } : {}),
  };
  for (const domain of byDomain.keys()) {
    const scores = results.filter((r) => r.domain === domain).map((r) => r.score);
    report.byDomain[domain] = { meanScore: mean(scores), iqmScore: interquartileMean(scores), tasks: scores.length };
  }
  return report;
}

/** Environments of one domain run at once by default: decoding batches well, and bounded memory (envs of a scene share one compiled model per thread, docs/performance.md). */
export const DEFAULT_CONCURRENT_ENVS = 64;

async function evaluateDomain(model: DecisionTransformer, domain: Domain, tasks: string[], opts: EvalOptions, rounds: { rounds: number; overlapped: number }): Promise<{ results: TaskResult[]; envSteps: number }> {
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
    const r = await rolloutRound(model, domain, envTasks.slice(start, end), (opts.seed ?? 0) + start, opts, {
      returns: returns.subarray(start, end),
      finalSuccess: finalSuccess.subarray(start, end),
      anySuccess: anySuccess.subarray(start, end),
    });
    envSteps += r.envSteps;
    rounds.rounds++;
    if (r.overlapped) rounds.overlapped++;
  }
  const results = tasks.map((task, k): TaskResult => {
    const idx = Array.from({ length: opts.episodes }, (_, e) => k * opts.episodes + e);
    const rets = idx.map((i) => returns[i]!);
    const res: TaskResult = { task, domain, episodes: opts.episodes, returns: rets, meanReturn: mean(rets), stdReturn: std(rets), score: 0 };
    if (domain === 'metaworld') {
      res.successRate = mean(idx.map((i) => finalSuccess[i]!));
      res.anySuccessRate = mean(idx.map((i) => anySuccess[i]!));
      res.score = res.successRate;
    } else if (hasNormalizedScore(task, opts.dmcScores)) {
      res.normalizedScore = normalizedScore(task, res.meanReturn, opts.dmcScores);
      res.score = res.normalizedScore;
    } else {
      res.score = res.meanReturn;
    }
    return res;
  });
  return { results, envSteps };
}
