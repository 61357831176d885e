/**
 * Every registered Meta-World task: spaces, seeded determinism, finite rewards, observations inside
 * their bounds, and the scripted expert solving it. `L2M_TASKS=a-v2,b-v2` limits the run to some tasks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listTasks, makeEnv } from '../src/envs/registry.ts';
import { scriptedPolicy } from '../src/envs/policies.ts';
import { rollout } from '../src/envs/rollout.ts';
import type { Env } from '../src/envs/types.ts';

const only = process.env.L2M_TASKS?.split(',').map((s) => s.trim()).filter(Boolean);
const tasks = (await listTasks())
  .filter((t) => t.domain === 'metaworld')
  .map((t) => t.name)
  .filter((n) => !only || only.includes(n) || only.includes(n.replace(/-v2$/, '')))
  .sort();

function trajectory(env: Env, seed: number, steps: number): number[] {
  const out = [...env.reset(seed)];
  for (let i = 0; i < steps; i++) {
    // a fixed, seed-independent action pattern that moves the hand about
    const a = [Math.sin(i / 7), Math.cos(i / 5), Math.sin(i / 3), Math.sin(i / 11)];
    const r = env.step(a);
    out.push(...r.obs, r.reward);
  }
  return out;
}

function inBounds(env: Env, obs: Float64Array): void {
  const { low, high } = env.observationSpace;
  for (let i = 0; i < obs.length; i++) {
    assert.ok(obs[i] >= low[i] && obs[i] <= high[i], `${env.name}: obs[${i}] = ${obs[i]} outside [${low[i]}, ${high[i]}]`);
  }
}

it('registers at least the pilot tasks', () => {
  if (only) return;
  for (const t of ['reach-v2', 'push-v2', 'pick-place-v2', 'drawer-open-v2']) assert.ok(tasks.includes(t), t);
});

for (const name of tasks) {
  describe(name, () => {
    it('has 39-d observations, 4-d actions in [-1, 1], a 200-step limit', async () => {
      const env = await makeEnv(name);
      try {
        assert.deepEqual(env.observationSpace.shape, [39]);
        assert.deepEqual(env.actionSpace.shape, [4]);
        assert.deepEqual([...env.actionSpace.low], [-1, -1, -1, -1]);
        assert.deepEqual([...env.actionSpace.high], [1, 1, 1, 1]);
        assert.equal(env.maxEpisodeSteps, 200);
        const obs = env.reset(0);
        assert.equal(obs.length, 39);
        // the first observation repeats the current frame as the previous one
        assert.deepEqual([...obs.subarray(18, 36)], [...obs.subarray(0, 18)]);
        inBounds(env, obs);
        let r;
        for (let i = 0; i < 200; i++) r = env.step([0, 0, 0, 0]);
        assert.equal(r!.truncated, true);
        assert.equal(r!.terminated, false);
        assert.throws(() => env.step([0, 0, 0, 0]), /episode is over/);
      } finally {
        env.close();
      }
    });

    it('reproduces an episode from its seed; other seeds move object and goal', async () => {
      const env = await makeEnv(name);
      try {
        const a = trajectory(env, 7, 50);
        const other = env.reset(8);
        const b = trajectory(env, 7, 50);
        assert.deepEqual(b, a);
        const first = a.slice(0, 39);
        const objGoal = (o: ArrayLike<number>): number[] => [...Array.from(o).slice(4, 7), ...Array.from(o).slice(36, 39)];
        assert.notDeepEqual(objGoal(other), objGoal(first));
        for (const x of a) assert.ok(Number.isFinite(x));
      } finally {
        env.close();
      }
    });

    it('keeps observations inside their bounds under random actions', async () => {
      const env = await makeEnv(name);
      try {
        let seed = 1;
        const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
        for (let ep = 0; ep < 2; ep++) {
          inBounds(env, env.reset(ep));
          for (let i = 0; i < 200; i++) {
            const r = env.step([rand(), rand(), rand(), rand()]);
            inBounds(env, r.obs);
            assert.ok(Number.isFinite(r.reward), `reward ${r.reward}`);
            assert.ok(r.info.success === 0 || r.info.success === 1);
          }
        }
      } finally {
        env.close();
      }
    });

    it('is solved by its scripted expert (>= 8/10 noise-free episodes within 500 steps)', async () => {
      const env = await makeEnv(name, { maxEpisodeSteps: 500 });
      try {
        const policy = await scriptedPolicy(name);
        const stats = rollout(env, policy, { seed: 1000, episodes: 10, stopOnSuccess: true });
        const solved = stats.filter((s) => s.success).length;
        assert.ok(solved >= 8, `${name}: expert solved ${solved}/10`);
      } finally {
        env.close();
      }
    });
  });
}
