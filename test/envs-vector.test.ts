/** VectorEnv gives exactly the single-env results for the same seeds, in-thread and across workers. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { makeEnv } from '../src/envs/registry.ts';
import { MAX_ENVS_PER_THREAD } from '../src/envs/mujoco.ts';
import { VectorEnv, type BatchStep } from '../src/envs/vector.ts';

// reach-v2 twice: a batch makes the first env of each task first (EnvBatch.create), so the second
// reach-v2 env is made after the drawer-open-v2 one, out of its order.
const TASKS = ['reach-v2', 'push-v2', 'reach-v2', 'drawer-open-v2'];
const SEED = 11;
const EPISODE = 30;
const STEPS = 70; // crosses two automatic resets

const action = (env: number, t: number): number[] => [Math.sin(t / 4 + env), Math.cos(t / 6 - env), Math.sin(t / 3), Math.cos(t / 5 + env)];

interface Trace {
  obs: number[][];
  rewards: number[][];
  truncated: number[][];
  success: number[][];
  finalObs: number[][];
}

async function singleEnvTrace(): Promise<Trace> {
  const trace: Trace = { obs: [], rewards: [], truncated: [], success: [], finalObs: [] };
  for (let i = 0; i < TASKS.length; i++) {
    const env = await makeEnv(TASKS[i], { maxEpisodeSteps: EPISODE });
    const obs = [[...env.reset(SEED + i)]];
    const rewards: number[] = [];
    const truncated: number[] = [];
    const success: number[] = [];
    const finalObs: number[][] = [];
    for (let t = 0; t < STEPS; t++) {
      const r = env.step(action(i, t));
      rewards.push(r.reward);
      truncated.push(r.truncated ? 1 : 0);
      success.push(r.info.success!);
      if (r.truncated) {
        finalObs.push([...r.obs]);
        obs.push([...env.reset()]);
      } else obs.push([...r.obs]);
    }
    env.close();
    trace.obs.push(obs.flat());
    trace.rewards.push(rewards);
    trace.truncated.push(truncated);
    trace.success.push(success);
    trace.finalObs.push(finalObs.flat());
  }
  return trace;
}

async function vectorTrace(workers: number): Promise<Trace> {
  const v = await VectorEnv.create({ tasks: TASKS, seed: SEED, maxEpisodeSteps: EPISODE, workers });
  try {
    assert.equal(v.numEnvs, TASKS.length);
    assert.equal(v.obsDim, 39);
    assert.equal(v.actDim, 4);
    const n = TASKS.length;
    const rows = (): number[][] => Array.from({ length: n }, () => []);
    const trace: Trace = { obs: rows(), rewards: rows(), truncated: rows(), success: rows(), finalObs: rows() };
    const first = await v.reset();
    for (let i = 0; i < n; i++) trace.obs[i].push(...first.subarray(39 * i, 39 * i + 39));
    for (let t = 0; t < STEPS; t++) {
      const a = new Float64Array(n * 4);
      for (let i = 0; i < n; i++) a.set(action(i, t), 4 * i);
      const r: BatchStep = await v.step(a);
      for (let i = 0; i < n; i++) {
        trace.obs[i].push(...r.obs.subarray(39 * i, 39 * i + 39));
        trace.rewards[i].push(r.rewards[i]);
        trace.truncated[i].push(r.truncated[i]);
        trace.success[i].push(r.success[i]);
        if (r.truncated[i]) trace.finalObs[i].push(...r.finalObs.subarray(39 * i, 39 * i + 39));
        assert.equal(r.terminated[i], 0);
      }
    }
    return trace;
  } finally {
    await v.close();
  }
}

const reference = await singleEnvTrace();

it('in-thread VectorEnv reproduces single envs bit for bit (auto-reset included)', async () => {
  assert.deepEqual(await vectorTrace(0), reference);
  assert.equal(reference.truncated[0].filter(Boolean).length, 2);
});

it('VectorEnv over 2 worker threads gives the same numbers', async () => {
  assert.deepEqual(await vectorTrace(2), reference);
});

it('reset with explicit seeds restarts the same episodes', async () => {
  const v = await VectorEnv.create({ tasks: ['push-v2', 'push-v2'], seed: 0, workers: 0 });
  try {
    const a = await v.reset([5, 6]);
    await v.step(new Float64Array(8).fill(0.5));
    const b = await v.reset([5, 6]);
    assert.deepEqual(b, a);
    assert.notDeepEqual([...a.subarray(0, 39)], [...a.subarray(39, 78)]);
  } finally {
    await v.close();
  }
});

it('rejects wrong action blocks and unknown tasks (also inside a worker)', async () => {
  const v = await VectorEnv.create({ tasks: ['reach-v2'], workers: 1 });
  try {
    await v.reset();
    await assert.rejects(v.step(new Float64Array(3)), /expected 1×4 = 4 action numbers, got 3/);
  } finally {
    await v.close();
  }
  await assert.rejects(VectorEnv.create({ tasks: ['reach-v2', 'no-such-task'], workers: 2 }), /unknown task 'no-such-task'/);
  await assert.rejects(VectorEnv.create({ tasks: [] }), /at least one task/);
});

it(`keeps at most ${MAX_ENVS_PER_THREAD} envs in one thread (one wasm memory), adding workers beyond that`, async () => {
  const tasks = new Array<string>(MAX_ENVS_PER_THREAD + 1).fill('cartpole-balance');
  await assert.rejects(VectorEnv.create({ tasks, workers: 0 }), new RegExp(`${MAX_ENVS_PER_THREAD + 1} envs in this thread exceed the ${MAX_ENVS_PER_THREAD}`));
  const v = await VectorEnv.create({ tasks, workers: 1, maxEpisodeSteps: 3 });
  try {
    assert.equal(v.workerCount, 2);
    const obs = await v.reset();
    assert.equal(obs.length, tasks.length * v.obsDim);
  } finally {
    await v.close();
  }
});
