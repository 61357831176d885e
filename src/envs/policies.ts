/** Policies for rolling out any registered task: its scripted expert, uniform random, and Gaussian action noise. */
import { taskEntry } from './registry.ts';
import { Rng } from './rng.ts';
import type { BoxSpace, Policy } from './types.ts';

/** The scripted expert of a task (Meta-World); throws naming the task if it has none. */
export async function scriptedPolicy(taskName: string): Promise<Policy> {
  const entry = await taskEntry(taskName);
  if (!entry.scriptedPolicy) throw new Error(`task '${entry.name}' has no scripted policy (use --policy random)`);
  return entry.scriptedPolicy();
}

/** Uniform actions over the (bounded) action space. */
export function randomPolicy(space: BoxSpace, rng: Rng): Policy {
  for (let i = 0; i < space.low.length; i++) {
    if (!Number.isFinite(space.low[i]) || !Number.isFinite(space.high[i])) throw new Error('randomPolicy: the action space must be bounded');
  }
  return { act: () => rng.uniformBox(space.low, space.high) };
}

/**
 * Adds N(0, (std · range)²) to each action dimension, range = high − low (so std 0.1 on [-1, 1]
 * is a standard deviation of 0.2). The environment clips the result.
 */
export function withGaussianNoise(policy: Policy, std: number, space: BoxSpace, rng: Rng): Policy {
  if (!(std >= 0) || !Number.isFinite(std)) throw new Error(`noise std must be a non-negative number, got ${std}`);
  if (std === 0) return policy;
  return {
    act(obs: Float64Array): Float64Array {
      const a = Float64Array.from(policy.act(obs));
      for (let i = 0; i < a.length; i++) a[i] += rng.normal() * std * (space.high[i] - space.low[i]);
      return a;
    },
  };
}
