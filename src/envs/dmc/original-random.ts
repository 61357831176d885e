/**
 * The original L2M's measurement of R_random (`compute_random_dmcontrol_scores`), replayed: a
 * dmc2gym env with its default seed 1 (task RandomState(1), so dm_control's initial states), actions
 * from the action space's `sample()` (gym 0.21: RandomState seeded with the hashed seed 1, uniform
 * in [-1, 1], cast to float32), 10 consecutive 1000-step episodes.
 */
import { DmcEnv } from './env.ts';
import { gymSeedKey, NumpyRandomState } from './numpy-random.ts';
import type { DmcTaskSpec } from './task.ts';

export async function originalRandomReturns(spec: DmcTaskSpec, episodes = 10, seed = 1): Promise<number[]> {
  const env = await DmcEnv.create(spec, { seed, numpyResets: true, obsLayout: 'flat' });
  try {
    const sampler = new NumpyRandomState(gymSeedKey(seed));
    const { low, high } = env.actionSpace;
    const action = new Float64Array(low.length);
    const returns: number[] = [];
    for (let ep = 0; ep < episodes; ep++) {
      env.reset();
      let ret = 0;
      for (let t = 0; t < env.maxEpisodeSteps; t++) {
        for (let i = 0; i < action.length; i++) action[i] = Math.fround(sampler.uniform(low[i], high[i]));
        ret += env.step(action).reward;
      }
      returns.push(ret);
    }
    return returns;
  } finally {
    env.close();
  }
}
