/**
 * The envs of a scene in a thread share one compiled model (`acquireModel` in src/envs/mujoco.ts),
 * each with its own data. Resets of most Meta-World tasks and of some DMControl domains write the
 * model (fixtures, goal sites, targets, damping): envs sharing a model must behave exactly as envs
 * with models of their own, whatever order they are reset and stepped in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MT50 } from '../src/envs/metaworld/sets.ts';
import { PER_ENV_MODEL_FIELDS, type MjModel } from '../src/envs/mujoco.ts';
import { makeEnv, taskEntry } from '../src/envs/registry.ts';
import { Rng } from '../src/envs/rng.ts';
import type { Env, Policy, StepResult } from '../src/envs/types.ts';

const N = 3;
const EPISODE = 10;
const OPS_PER_ENV = 32; // about 3 episodes each, interleaved at random

/** The model behind an env (Meta-World keeps it protected). */
function modelOf(env: Env): MjModel {
  const e = env as unknown as { model?: MjModel; physics?: { model: MjModel } };
  return e.physics?.model ?? e.model;
}

function modelState(env: Env): Record<string, number[]> {
  const m = modelOf(env);
  return Object.fromEntries(PER_ENV_MODEL_FIELDS.map((f) => [f, Array.from(m[f] as ArrayLike<number>)]));
}

const result = (r: StepResult): unknown => ({ obs: [...r.obs], reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info });

/**
 * Runs the same random interleaving of resets (seeded ones too) and steps on N envs sharing a model
 * and on N envs with their own, comparing every observation, reward and info, and the model as each
 * shared env sees it against its private twin, bit for bit. Returns whether the private models of
 * the envs differed from each other at some point (the task's resets write the model).
 */
async function compareSharedAndPrivate(task: string, maxEpisodeSteps: number): Promise<boolean> {
  const entry = await taskEntry(task);
  const shared: Env[] = [];
  const own: Env[] = [];
  try {
    for (let i = 0; i < N; i++) {
      shared.push(await makeEnv(task, { seed: 100 + i, maxEpisodeSteps }));
      own.push(await makeEnv(task, { seed: 100 + i, maxEpisodeSteps, privateModel: true }));
    }
    for (let i = 1; i < N; i++) {
      assert.equal(modelOf(shared[i]), modelOf(shared[0]), `${task}: envs of one scene share its model`);
      assert.notEqual(modelOf(own[i]), modelOf(own[0]), `${task}: privateModel envs have their own`);
    }
    const policies: Policy[] = shared.map((e, i) => {
      const noise = new Rng(7 + i);
      const expert = entry.scriptedPolicy?.();
      return {
        act(obs: Float64Array): Float64Array {
          const a = expert ? Float64Array.from(expert.act(obs)) : Float64Array.from({ length: e.actionSpace.shape[0] }, (_, k) => Math.sin(obs[k % obs.length] * 3 + k));
          for (let k = 0; k < a.length; k++) a[k] += 0.3 * noise.normal();
          return a;
        },
      };
    });
    const obs: (Float64Array | null)[] = new Array(N).fill(null);
    const left = new Array<number>(N).fill(OPS_PER_ENV);
    const order = new Rng(task.length);
    let modelsDiffer = false;
    while (left.some((n) => n > 0)) {
      const live = left.flatMap((n, i) => (n > 0 ? [i] : []));
      const i = live[Math.floor(order.random() * live.length)];
      left[i]--;
      const [a, b] = [shared[i], own[i]];
      const op = order.random();
      if (obs[i] === null || a.elapsedSteps >= a.maxEpisodeSteps || op < 0.04) {
        const seed = op < 0.02 ? 1000 + Math.floor(op * 1e5) : undefined; // now and then a seeded reset mid-episode
        const oa = a.reset(seed);
        assert.deepEqual([...oa], [...b.reset(seed)], `${task}: env ${i} reset`);
        obs[i] = oa;
      } else {
        const act = policies[i].act(obs[i]!);
        const ra = a.step(act);
        assert.deepEqual(result(ra), result(b.step(act)), `${task}: env ${i} step ${a.elapsedSteps}`);
        obs[i] = ra.obs;
      }
      assert.deepEqual(modelState(a), modelState(b), `${task}: the shared model as env ${i} sees it`);
      if (!modelsDiffer) modelsDiffer = own.some((e) => JSON.stringify(modelState(e)) !== JSON.stringify(modelState(own[0])));
    }
    return modelsDiffer;
  } finally {
    for (const e of [...shared, ...own]) e.close();
  }
}

describe('envs sharing a compiled model give exactly the trajectories of envs with their own', () => {
  it('every Meta-World task (interleaved resets and steps of 3 envs, scripted expert + noise)', async () => {
    const writers: string[] = [];
    for (const task of MT50) if (await compareSharedAndPrivate(task, EPISODE)) writers.push(task);
    // The resets of these tasks give each env its own model (moved fixtures, goals): the case that matters.
    for (const t of ['drawer-open-v2', 'handle-press-v2', 'box-close-v2', 'shelf-place-v2', 'disassemble-v2', 'peg-unplug-side-v2']) {
      assert.ok(writers.includes(t), `${t}'s resets write its model`);
    }
    assert.ok(writers.length >= 40, `${writers.length} of 50 tasks write their model at reset: ${writers.join(', ')}`);
  });

  it('DMControl domains whose resets write the model (finger, reacher, fish) and one that does not', async () => {
    for (const task of ['finger-turn_hard', 'finger-spin', 'reacher-hard', 'fish-upright', 'walker-walk']) {
      const writes = await compareSharedAndPrivate(task, 25);
      if (task.startsWith('finger-turn') || task.startsWith('reacher')) assert.ok(writes, `${task}'s resets move its target`);
    }
  });
});
