/**
 * Evaluation of a policy on fixed episodes: episode k resets with `deriveSeed(seed, task, k, 'eval')`,
 * the same start states at every evaluation of a run. DMControl tasks also get the original L2M's
 * data-normalised score of the mean return.
 */
import { deriveSeed } from '../data/seeds.ts';
import { hasNormalizedScore, normalizedScore } from '../envs/dmc/scores.ts';
import type { Env } from '../envs/types.ts';

export interface PolicyEval {
  returns: number[];
  meanReturn: number;
  /** Population standard deviation of the returns. */
  stdReturn: number;
  /** Data-normalised score of the mean return (null: the task has no reference scores). */
  normalizedScore: number | null;
}

export function evaluatePolicy(env: Env, act: (obs: Float64Array) => ArrayLike<number>, opts: { task: string; seed: number; episodes: number }): PolicyEval {
  if (!Number.isInteger(opts.episodes) || opts.episodes < 1) throw new Error(`evaluation episodes must be a positive integer, got ${opts.episodes}`);
  const returns: number[] = [];
  for (let k = 0; k < opts.episodes; k++) {
    let obs = env.reset(deriveSeed(opts.seed, opts.task, k, 'eval'));
    let ret = 0;
    for (let t = 0; ; t++) {
      const r = env.step(act(obs));
      ret += r.reward;
      obs = r.obs;
      if (r.terminated || r.truncated || t + 1 >= env.maxEpisodeSteps) break;
    }
    returns.push(ret);
  }
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  return { returns, meanReturn: mean, stdReturn: std, normalizedScore: hasNormalizedScore(opts.task) ? normalizedScore(opts.task, mean) : null };
}
