/** Rolling a policy out for whole episodes, with the statistics the CLI and scripts report. */
import type { Env, Policy } from './types.ts';

export interface EpisodeStats {
  return: number;
  steps: number;
  /** Meta-World: 1 if `info.success` was set at any step. */
  success: number;
  /** Meta-World: `info.success` of the last step. */
  finalSuccess: number;
  /** Whether the task reported `info.success` at all (DMControl does not). */
  reportsSuccess: boolean;
}

export interface RolloutOptions {
  /** Episode i is reset with seed `seed + i`. */
  seed: number;
  episodes: number;
  /** Stop an episode at its first success (scripted-expert checks); default false. */
  stopOnSuccess?: boolean;
}

/** Runs `episodes` episodes of `policy` (a fresh policy per episode if a factory is given). */
export function rollout(env: Env, policy: Policy | ((episode: number) => Policy), opts: RolloutOptions): EpisodeStats[] {
  const out: EpisodeStats[] = [];
  for (let ep = 0; ep < opts.episodes; ep++) {
    const pi = typeof policy === 'function' ? policy(ep) : policy;
    let obs = env.reset(opts.seed + ep);
    const stats: EpisodeStats = { return: 0, steps: 0, success: 0, finalSuccess: 0, reportsSuccess: false };
    for (;;) {
      const r = env.step(pi.act(obs));
      obs = r.obs;
      stats.return += r.reward;
      stats.steps++;
      if (r.info.success !== undefined) stats.reportsSuccess = true;
      const success = r.info.success ? 1 : 0;
      stats.finalSuccess = success;
      if (success) stats.success = 1;
      if (r.terminated || r.truncated || (opts.stopOnSuccess && success)) break;
    }
    out.push(stats);
  }
  return out;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Population standard deviation (numpy's default, ddof = 0). */
export function std(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}
