/** DMControl tasks in VectorEnv: the single-env results for the same seeds, in-thread and across workers, next to a Meta-World task. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { makeEnv } from '../src/envs/registry.ts';
import { VectorEnv } from '../src/envs/vector.ts';

const TASKS = ['walker-walk', 'cartpole-swingup', 'ball_in_cup-catch', 'reach-v2'];
const SEED = 3;
const EPISODE = 20;
const STEPS = 45; // crosses two automatic resets

const action = (env: number, t: number, dims: number): number[] => Array.from({ length: dims }, (_, k) => Math.sin(t / 5 + env + k));

/** Per step: the observation rows (zero-padded to `width`) and rewards of every env, stepped one by one. */
async function singleEnvTrace(width: number): Promise<{ obs: number[][]; rewards: number[][]; finalObs: number[][] }> {
  const obs: number[][] = [];
  const rewards: number[][] = [];
  const finalObs: number[][] = [];
  const envs = await Promise.all(TASKS.map((t) => makeEnv(t, { maxEpisodeSteps: EPISODE })));
  const pad = (x: Float64Array): number[] => [...x, ...new Array(width - x.length).fill(0)];
  try {
    obs.push(envs.flatMap((e, i) => pad(e.reset(SEED + i))));
    for (let t = 0; t < STEPS; t++) {
      const row: number[] = [];
      const rew: number[] = [];
      const fin: number[] = [];
      envs.forEach((e, i) => {
        const r = e.step(action(i, t, e.actionSpace.shape[0]));
        rew.push(r.reward);
        fin.push(...(r.truncated ? pad(r.obs) : new Array(width).fill(0)));
        row.push(...pad(r.truncated ? e.reset() : r.obs));
      });
      obs.push(row);
      rewards.push(rew);
      finalObs.push(fin);
    }
  } finally {
    for (const e of envs) e.close();
  }
  return { obs, rewards, finalObs };
}

it('VectorEnv steps DMControl tasks exactly like single envs, in-thread and with 2 workers', async () => {
  for (const workers of [0, 2]) {
    const vec = await VectorEnv.create({ tasks: TASKS, seed: SEED, maxEpisodeSteps: EPISODE, workers });
    try {
      assert.deepEqual(vec.obsDims, [204, 204, 204, 39]);
      assert.deepEqual(vec.actDims, [6, 1, 2, 4]);
      const expected = await singleEnvTrace(vec.obsDim);
      assert.deepEqual([...(await vec.reset())], expected.obs[0]);
      for (let t = 0; t < STEPS; t++) {
        const actions = new Float64Array(TASKS.length * vec.actDim);
        vec.actDims.forEach((d, i) => actions.set(action(i, t, d), i * vec.actDim));
        const r = await vec.step(actions);
        assert.deepEqual([...r.obs], expected.obs[t + 1], `workers ${workers}, step ${t}`);
        assert.deepEqual([...r.rewards], expected.rewards[t]);
        assert.deepEqual([...r.finalObs], expected.finalObs[t]);
        assert.deepEqual([...r.truncated], TASKS.map(() => ((t + 1) % EPISODE === 0 ? 1 : 0)));
      }
    } finally {
      await vec.close();
    }
  }
});
