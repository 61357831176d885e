/**
 * The 16 DMControl tasks, checked in the manner of dm_control's own suite_test.py: spaces, named
 * observation parts (keys, order, sizes as in the reference), rewards in [0, 1], seeded determinism,
 * randomised initial states, the 204-d layout; plus `tolerance` against hand-derived values,
 * task rewards at hand-built states, the legacy stepping and some physics sanity checks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DMC10, DMC16, DMC6, DMC_SCORE_REFERENCES, DMC_TASKS, DmcEnv, L2M_OBS_SLOTS, flattenParts, makeDmcEnv, normalizedScore, toL2m204, tolerance,
} from '../src/envs/dmc/index.ts';
import { gymSeedKey, NumpyRandomState } from '../src/envs/dmc/numpy-random.ts';
import { originalRandomReturns } from '../src/envs/dmc/original-random.ts';
import { DmcPhysics } from '../src/envs/dmc/physics.ts';
import type { BoundTask } from '../src/envs/dmc/task.ts';
import { makeEnv, resolveTasks, taskEntry } from '../src/envs/registry.ts';
import { Rng } from '../src/envs/rng.ts';
import { DMC_TARGET_RETURNS, METAWORLD_TARGET_RETURNS, targetReturn } from '../src/envs/targets.ts';

/** Observation keys and sizes of each task, read from dm_control's `get_observation` and the scenes. */
const EXPECTED_PARTS: Record<string, [string, number][]> = {
  'cartpole-balance': [['position', 3], ['velocity', 2]],
  'cartpole-swingup': [['position', 3], ['velocity', 2]],
  'pendulum-swingup': [['orientation', 2], ['velocity', 1]],
  'point_mass-easy': [['position', 2], ['velocity', 2]],
  'reacher-easy': [['position', 2], ['to_target', 2], ['velocity', 2]],
  'reacher-hard': [['position', 2], ['to_target', 2], ['velocity', 2]],
  'finger-spin': [['position', 4], ['velocity', 3], ['touch', 2]],
  'finger-turn_easy': [['position', 4], ['velocity', 3], ['touch', 2], ['target_position', 2], ['dist_to_target', 1]],
  'finger-turn_hard': [['position', 4], ['velocity', 3], ['touch', 2], ['target_position', 2], ['dist_to_target', 1]],
  'fish-upright': [['joint_angles', 7], ['upright', 1], ['velocity', 13]],
  'hopper-stand': [['position', 6], ['velocity', 7], ['touch', 2]],
  'walker-stand': [['orientations', 14], ['height', 1], ['velocity', 9]],
  'walker-walk': [['orientations', 14], ['height', 1], ['velocity', 9]],
  'walker-run': [['orientations', 14], ['height', 1], ['velocity', 9]],
  'ball_in_cup-catch': [['position', 4], ['velocity', 4]],
  'cheetah-run': [['position', 8], ['velocity', 9]],
};

/** (action dims, physics substeps per control step) from the scenes and the tasks' control timesteps. */
const EXPECTED_TIMING: Record<string, [number, number]> = {
  'cartpole-balance': [1, 1], 'cartpole-swingup': [1, 1], 'pendulum-swingup': [1, 1], 'point_mass-easy': [2, 1],
  'reacher-easy': [2, 1], 'reacher-hard': [2, 1], 'finger-spin': [2, 2], 'finger-turn_easy': [2, 2], 'finger-turn_hard': [2, 2],
  'fish-upright': [5, 10], 'hopper-stand': [4, 4], 'walker-stand': [6, 10], 'walker-walk': [6, 10], 'walker-run': [6, 10],
  'ball_in_cup-catch': [2, 10], 'cheetah-run': [6, 1],
};

function randomActions(env: DmcEnv, seed: number, n: number): Float64Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.uniformBox(env.actionSpace.low, env.actionSpace.high));
}

describe('task sets', () => {
  it('DMC10, DMC6 and DMC16 are the original task lists, resolvable through the registry', async () => {
    assert.deepEqual(await resolveTasks('DMC10'), DMC10);
    assert.deepEqual(await resolveTasks('DMC6'), ['ball_in_cup-catch', 'cartpole-swingup', 'cheetah-run', 'finger-spin', 'reacher-easy', 'walker-walk']);
    assert.equal(new Set(await resolveTasks('DMC16')).size, 16);
    assert.deepEqual(Object.keys(DMC_TASKS).sort(), [...DMC16].sort());
    assert.deepEqual(Object.keys(EXPECTED_PARTS).sort(), [...DMC16].sort());
    for (const t of DMC6) assert.equal((await taskEntry(t)).domain, 'dmc');
  });

  it('unknown tasks and bad options fail with the name in the message', async () => {
    await assert.rejects(makeDmcEnv('walker-fly'), /unknown DMControl task 'walker-fly'/);
    await assert.rejects(makeEnv('cartpole-balance', { obsLayout: 'pixels' as 'flat' }), /unknown obsLayout 'pixels'/);
  });
});

for (const name of DMC16) {
  describe(name, () => {
    let env: DmcEnv;
    before(async () => {
      env = (await makeEnv(name, { seed: 7 })) as DmcEnv;
    });
    after(() => env.close());

    it('has the reference spaces, parts, timing and 1000-step limit', () => {
      const parts = EXPECTED_PARTS[name];
      const flatSize = parts.reduce((n, [, s]) => n + s, 0);
      const [nu, substeps] = EXPECTED_TIMING[name];
      assert.equal(env.domain, 'dmc');
      assert.deepEqual(env.observationSpace.shape, [204]);
      assert.ok(env.observationSpace.low.every((x) => x === -Infinity) && env.observationSpace.high.every((x) => x === Infinity));
      assert.deepEqual(env.actionSpace.shape, [nu]);
      assert.ok(env.actionSpace.low.every((x) => x === -1) && env.actionSpace.high.every((x) => x === 1));
      assert.equal(env.maxEpisodeSteps, 1000);
      assert.equal(env.physics.nSubSteps, substeps);
      assert.deepEqual(env.observationLayout.map((p) => [p.key, p.size]), parts);
      const obs = env.reset(0);
      assert.ok(obs instanceof Float64Array && obs.length === 204);
      const named = env.observationParts();
      assert.deepEqual(Object.entries(named).map(([k, v]) => [k, v.length]), parts);
      assert.equal(flattenParts(named).length, flatSize);
    });

    it('steps with finite observations and rewards in [0, 1] (5 episodes x 10 steps)', () => {
      for (let ep = 0; ep < 5; ep++) {
        let obs = env.reset(100 + ep);
        for (const a of randomActions(env, ep, 10)) {
          const before = env.observationParts();
          const r = env.step(a);
          assert.ok(r.reward >= 0 && r.reward <= 1, `reward ${r.reward}`);
          assert.equal(r.terminated, false);
          assert.equal(r.truncated, false);
          assert.ok(r.obs.every(Number.isFinite), 'non-finite observation');
          assert.notEqual(r.obs, obs, 'consecutive observations share memory');
          const now = env.observationParts();
          for (const k of Object.keys(now)) assert.notEqual(now[k].buffer, before[k].buffer, `part ${k} shares memory`);
          obs = r.obs;
        }
      }
    });

    it('puts every named part in its 204-d slot and zeros elsewhere', () => {
      env.reset(3);
      let obs = env.step(randomActions(env, 1, 1)[0]).obs;
      for (let rep = 0; rep < 2; rep++) {
        const parts = env.observationParts();
        const expected = new Float64Array(204);
        for (const [key, v] of Object.entries(parts)) {
          const slot = L2M_OBS_SLOTS[key];
          assert.ok(v.length <= slot.size, key);
          for (let i = 0; i < v.length; i++) expected[slot.start + i] = v[i];
        }
        assert.deepEqual([...obs], [...expected]);
        assert.deepEqual([...toL2m204(parts)], [...expected]);
        obs = env.step(randomActions(env, 2, 1)[0]).obs;
      }
    });

    it('reproduces trajectories bit for bit from a seed, also across instances', async () => {
      const actions = randomActions(env, 11, 25);
      const run = (e: DmcEnv, seed: number): number[] => {
        const out = [...e.reset(seed)];
        for (const a of actions) {
          const r = e.step(a);
          out.push(...r.obs, r.reward);
        }
        return out;
      };
      const first = run(env, 5);
      assert.deepEqual(run(env, 5), first);
      // a second instance seeded at creation starts the same episode; its flat obs is the parts' concatenation
      const other = (await makeEnv(name, { seed: 5, obsLayout: 'flat' })) as DmcEnv;
      try {
        const flat = [...other.reset()];
        env.reset(5);
        assert.deepEqual(flat, [...flattenParts(env.observationParts())]);
        assert.equal(flat.length, other.observationSpace.shape[0]);
      } finally {
        other.close();
      }
    });

    it('randomises the initial state: consecutive resets and different seeds differ', () => {
      const a = env.reset(42);
      const b = env.reset();
      const c = env.reset(43);
      assert.notDeepEqual([...a], [...b]);
      assert.notDeepEqual([...a], [...c]);
      assert.deepEqual([...env.reset(42)], [...a]);
    });
  });
}

describe('episodes', () => {
  it('truncate after 1000 steps, refuse further steps and never contain constant observation elements', async () => {
    // dm_control's test_observations_dont_contain_constant_elements, on a full episode of a few tasks
    for (const name of ['walker-walk', 'hopper-stand', 'cartpole-swingup', 'reacher-easy']) {
      const env = await makeDmcEnv(name, { obsLayout: 'flat' });
      try {
        const first = env.reset(0);
        const varies = new Uint8Array(first.length);
        const actions = randomActions(env, 0, 1000);
        let last;
        for (let t = 0; t < 1000; t++) {
          last = env.step(actions[t]);
          assert.equal(last.truncated, t === 999);
          for (let i = 0; i < first.length; i++) if (last.obs[i] !== first[i]) varies[i] = 1;
        }
        assert.equal(env.elapsedSteps, 1000);
        assert.ok(varies.every((v) => v === 1), `${name}: constant observation elements at ${[...varies.keys()].filter((i) => !varies[i])}`);
        assert.throws(() => env.step(actions[0]), new RegExp(`${name}: step\\(\\) after the episode ended`));
        env.reset();
        assert.equal(env.elapsedSteps, 0);
      } finally {
        env.close();
      }
    }
  });

  it('check actions: wrong length and non-finite values throw, out-of-range values are clipped', async () => {
    const env = await makeDmcEnv('cartpole-balance');
    try {
      assert.throws(() => env.step([0]), /step\(\) before reset\(\)/);
      env.reset(0);
      assert.throws(() => env.step([0, 0]), /action has 2 dims, expected 1/);
      assert.throws(() => env.step([NaN]), /action\[0\] is NaN/);
      env.step([5]);
      assert.equal(env.physics.views().ctrl[0], 1);
    } finally {
      env.close();
    }
  });
});

describe('tolerance (dm_control/utils/rewards.py)', () => {
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
  it('is 1 inside the bounds and a hard indicator without margin', () => {
    assert.equal(tolerance(0.3, { bounds: [0, 1] }), 1);
    assert.equal(tolerance(1, { bounds: [0, 1] }), 1);
    assert.equal(tolerance(1.0001, { bounds: [0, 1] }), 0);
    assert.equal(tolerance(0), 1);
    assert.equal(tolerance(1e-9), 0);
    assert.equal(tolerance(1e9, { bounds: [2, Infinity], margin: 1 }), 1);
    assert.equal(tolerance(-1e9, { bounds: [-Infinity, 2], margin: 1, sigmoid: 'linear' }), 1);
  });

  it('takes value_at_margin at distance margin for every sigmoid', () => {
    for (const sigmoid of ['gaussian', 'hyperbolic', 'long_tail', 'reciprocal', 'cosine', 'linear', 'quadratic', 'tanh_squared'] as const) {
      close(tolerance(3, { bounds: [0, 1], margin: 2, sigmoid, valueAtMargin: 0.3 }), 0.3);
      close(tolerance(-2, { bounds: [0, 1], margin: 2, sigmoid, valueAtMargin: 0.3 }), 0.3);
    }
  });

  it('matches hand-derived values at half the margin (value_at_margin 0.1)', () => {
    const half = (sigmoid: Parameters<typeof tolerance>[1] extends infer O ? O extends { sigmoid?: infer S } ? S : never : never): number =>
      tolerance(1.5, { bounds: [-1, 1], margin: 1, sigmoid, valueAtMargin: 0.1 });
    close(half('gaussian'), 0.1 ** 0.25); // exp(-d^2 scale^2 / 2) = v^(d^2)
    close(half('hyperbolic'), 1 / Math.sqrt(5.5)); // 1/cosh(acosh(10)/2), cosh(a/2) = sqrt((cosh a + 1)/2)
    close(half('long_tail'), 4 / 13); // 1/((d^2)(1/v - 1) + 1)
    close(half('reciprocal'), 2 / 11); // 1/(d(1/v - 1) + 1)
    close(half('cosine'), (1 + Math.sqrt(0.1)) / 2); // (1 + cos(acos(2v-1)/2))/2
    close(half('linear'), 0.55); // 1 - d(1 - v)
    close(half('quadratic'), 0.775); // 1 - d^2 (1 - v)
    close(half('tanh_squared'), 1 - 0.9 / (1 + Math.sqrt(0.1)) ** 2); // tanh(a/2) = t/(1 + sqrt(1 - t^2)), t = sqrt(0.9)
  });

  it('cuts the bounded sigmoids to 0 beyond their support', () => {
    assert.equal(tolerance(2.2, { margin: 2, sigmoid: 'linear', valueAtMargin: 0 }), 0); // d = 1.1 > 1
    assert.equal(tolerance(2, { margin: 2, sigmoid: 'quadratic', valueAtMargin: 0 }), 0); // d = 1 exactly
    close(tolerance(1, { margin: 2, sigmoid: 'quadratic', valueAtMargin: 0 }), 0.75);
    assert.equal(tolerance(10, { margin: 1, sigmoid: 'cosine', valueAtMargin: 0.5 }), 0); // support d < 2
    close(tolerance(1.5, { margin: 1, sigmoid: 'cosine', valueAtMargin: 0.5 }), (1 + Math.cos(0.75 * Math.PI)) / 2);
    close(tolerance(1, { margin: 1, sigmoid: 'gaussian' }), 0.1); // default value_at_margin
  });

  it('rejects bad arguments as dm_control does', () => {
    assert.throws(() => tolerance(0, { bounds: [1, 0] }), /lower bound 1 is above upper bound 0/);
    assert.throws(() => tolerance(0, { margin: -1 }), /margin must be non-negative/);
    assert.throws(() => tolerance(2, { margin: 1, sigmoid: 'gaussian', valueAtMargin: 0 }), /strictly between 0 and 1/);
    assert.throws(() => tolerance(0, { margin: 1, sigmoid: 'long_tail', valueAtMargin: 1 }), /strictly between 0 and 1/);
    assert.throws(() => tolerance(2, { margin: 1, sigmoid: 'linear', valueAtMargin: 1 }), /in \[0, 1\)/);
    assert.throws(() => tolerance(2, { margin: 1, sigmoid: 'sigmoid' as 'linear' }), /unknown sigmoid 'sigmoid'/);
  });
});

/** A bound task on its own physics, for setting states by hand. */
async function bindTask(name: string): Promise<{ physics: DmcPhysics; task: BoundTask }> {
  const spec = DMC_TASKS[name];
  const physics = await DmcPhysics.load(spec.xml, spec.controlTimestep);
  physics.reset();
  return { physics, task: spec.bind(physics) };
}

/** Sets joint positions/velocities by name (others stay at the reference pose) and runs the forward pass. */
function pose(physics: DmcPhysics, qpos: Record<string, number> = {}, qvel: Record<string, number> = {}, ctrl: number[] = []): void {
  physics.reset();
  const v = physics.views();
  for (const [j, x] of Object.entries(qpos)) v.qpos[physics.qposAdr(j)] = x;
  for (const [j, x] of Object.entries(qvel)) v.qvel[physics.dofAdr(j)] = x;
  v.ctrl.set(ctrl);
  physics.afterReset();
}

describe('task rewards at hand-built states', () => {
  const cases: [string, (p: DmcPhysics) => void, number][] = [
    // cartpole: upright, centred, still and unactuated gives 1; full control costs 1/5; a cart at the margin (2) halves 1.1
    ['cartpole-balance', (p) => pose(p), 1],
    ['cartpole-swingup', (p) => pose(p, {}, {}, [1]), 0.8],
    ['cartpole-balance', (p) => pose(p, { slider: 2 }), 0.55],
    ['cartpole-balance', (p) => pose(p, { hinge_1: Math.PI }), 0],
    // pendulum: 1 within 8 degrees of upright
    ['pendulum-swingup', (p) => pose(p, { hinge: (7 * Math.PI) / 180 }), 1],
    ['pendulum-swingup', (p) => pose(p, { hinge: (9 * Math.PI) / 180 }), 0],
    // point mass: on the target; one target size (0.015) beyond its rim gives 0.1; full control costs 1/5
    ['point_mass-easy', (p) => pose(p), 1],
    ['point_mass-easy', (p) => pose(p, { root_x: 0.03 }), 0.1],
    ['point_mass-easy', (p) => pose(p, {}, {}, [1, -1]), 0.8],
    // walker at its reference pose: torso at 1.3 m, upright; not moving earns 1/6 of walk and run
    ['walker-stand', (p) => pose(p), 1],
    ['walker-walk', (p) => pose(p), 1 / 6],
    ['walker-run', (p) => pose(p), 1 / 6],
    ['walker-walk', (p) => pose(p, {}, { rootx: 1 }), 1],
    // torso 0.2 below the stand height (margin 0.6): gaussian 0.1^((0.2/0.6)^2); running at 8 m/s
    ['walker-run', (p) => pose(p, { rootz: -0.3 }, { rootx: 8 }), (3 * 0.1 ** (1 / 9) + 1) / 4],
    // hopper at its reference pose: torso COM 0.975 m over the foot
    ['hopper-stand', (p) => pose(p), 1],
    ['hopper-stand', (p) => pose(p, {}, {}, [1, 1, 1, 1]), 0.8],
    // cheetah: linear in forward speed up to 10 m/s
    ['cheetah-run', (p) => pose(p), 0],
    ['cheetah-run', (p) => pose(p, {}, { rootx: 5 }), 0.5],
    ['cheetah-run', (p) => pose(p, {}, { rootx: 12 }), 1],
    // fish: upright 1; on its side (upright 0) the gaussian gives 0.1
    ['fish-upright', (p) => pose(p), 1],
    ['fish-upright', (p) => { pose(p); const q = p.views().qpos; q.set([Math.SQRT1_2, Math.SQRT1_2, 0, 0], 3); p.afterReset(); }, 0.1],
    // ball in cup: ball centre at the target site (0, 0.55) or hanging below the cup
    ['ball_in_cup-catch', (p) => pose(p, { ball_z: 0.35 }), 1],
    ['ball_in_cup-catch', (p) => pose(p, { ball_z: 0.32 }), 0],
    ['ball_in_cup-catch', (p) => pose(p), 0],
    // finger spin: 1 when the hinge turns faster than 15 rad/s clockwise
    ['finger-spin', (p) => pose(p, {}, { hinge: -20 }), 1],
    ['finger-spin', (p) => pose(p, {}, { hinge: -10 }), 0],
    ['finger-spin', (p) => pose(p, {}, { hinge: 20 }), 0],
  ];
  for (const [name, setup, expected] of cases) {
    it(`${name}: ${setup.toString().replace(/^\(p\) => /, '').slice(0, 80)} -> ${expected.toFixed(4)}`, async () => {
      const { physics, task } = await bindTask(name);
      try {
        setup(physics);
        assert.ok(Math.abs(task.reward() - expected) < 1e-9, `reward ${task.reward()}, expected ${expected}`);
      } finally {
        physics.close();
      }
    });
  }

  it('reacher: 1 when the finger touches the target, which is smaller in the hard task', async () => {
    for (const [name, expected] of [['reacher-easy', 1], ['reacher-hard', 0]] as const) {
      const { physics, task } = await bindTask(name);
      try {
        task.initializeEpisode(new Rng(0)); // sets the target size
        pose(physics, { shoulder: 0, wrist: 0 });
        const target = physics.id('geom', 'target');
        // the finger is at x = 0.24 with the arm straight; put the target 0.05 m short of it
        physics.views().geom_pos.set([0.19, 0, 0.01], 3 * target);
        physics.afterReset();
        assert.deepEqual([...task.observation().to_target].map((x) => +x.toFixed(12)), [-0.05, 0]);
        assert.equal(task.reward(), expected);
      } finally {
        physics.close();
      }
    }
  });

  it('finger turn: 1 when the tip is inside the target', async () => {
    const { physics, task } = await bindTask('finger-turn_easy');
    try {
      const rng = new Rng(0);
      task.initializeEpisode(rng);
      const target = physics.id('site', 'target');
      // target straight above the hinge at the tip's radius (0.13), where the tip is at hinge angle 0
      physics.views().site_pos.set([0.2, 0, 0.53], 3 * target);
      pose(physics, { hinge: 0 });
      const obs = task.observation();
      assert.ok(Math.abs(obs.dist_to_target[0] + 0.07) < 1e-12, `dist ${obs.dist_to_target[0]}`);
      assert.equal(task.reward(), 1);
      pose(physics, { hinge: Math.PI / 2 });
      assert.ok(Math.abs(task.observation().dist_to_target[0] - (0.13 * Math.SQRT2 - 0.07)) < 1e-12);
      assert.equal(task.reward(), 0);
    } finally {
      physics.close();
    }
  });

  it('cartpole observes [x, cos, sin] of the pole and pendulum [cos, sin]', async () => {
    for (const name of ['cartpole-balance', 'pendulum-swingup']) {
      const { physics, task } = await bindTask(name);
      try {
        const hinge = name === 'cartpole-balance' ? 'hinge_1' : 'hinge';
        pose(physics, { [hinge]: 0.3, ...(name === 'cartpole-balance' ? { slider: -0.2 } : {}) }, { [hinge]: 1.5 });
        const obs = task.observation();
        const expected = name === 'cartpole-balance' ? [-0.2, Math.cos(0.3), Math.sin(0.3)] : [Math.cos(0.3), Math.sin(0.3)];
        const got = [...(obs.position ?? obs.orientation)];
        got.forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-12, `${name} ${got} vs ${expected}`));
        assert.equal(obs.velocity[obs.velocity.length - 1], 1.5);
      } finally {
        physics.close();
      }
    }
  });
});

describe('stepping and physics', () => {
  it('legacy stepping leaves position- and velocity-dependent fields in sync with the new state', async () => {
    const env = await makeDmcEnv('walker-walk', { obsLayout: 'flat' });
    try {
      env.reset(0);
      const { mj, model, data } = env.physics;
      for (const a of randomActions(env, 0, 5)) {
        const t0 = data.time;
        const r = env.step(a);
        assert.ok(Math.abs(data.time - t0 - 0.025) < 1e-12, 'one control step is 10 x 0.0025 s');
        const xpos = Float64Array.from(env.physics.views().xpos);
        const sensordata = Float64Array.from(env.physics.views().sensordata);
        mj.mj_forward(model, data);
        assert.deepEqual([...env.physics.views().xpos], [...xpos]);
        assert.deepEqual([...env.physics.views().sensordata], [...sensordata]);
        assert.deepEqual([...flattenParts(env.observationParts())], [...r.obs]);
      }
    } finally {
      env.close();
    }
  });

  it('matches plain mj_step in state (Euler: mj_step2, mj_step x n-1, mj_step1)', async () => {
    const a = await DmcPhysics.load('hopper.xml', 0.02);
    const b = await DmcPhysics.load('hopper.xml', 0.02);
    try {
      for (const p of [a, b]) {
        p.reset();
        p.views().qpos.set([0, 0.1, 0.2, -0.1, -0.5, 1, 0.2]);
        p.afterReset();
        p.views().ctrl.set([0.5, -0.5, 0.3, 1]);
      }
      for (let k = 0; k < 10; k++) {
        a.step();
        for (let i = 0; i < 4; i++) b.rawStep();
        assert.deepEqual([...a.views().qpos], [...b.views().qpos]);
        assert.deepEqual([...a.views().qvel], [...b.views().qvel]);
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('an uncontrolled cartpole (RK4, no contacts) conserves its energy, and loses a little to joint damping', async () => {
    const env = await makeDmcEnv('cartpole-swingup');
    try {
      const energy = (): number => env.physics.data.energy[0] + env.physics.data.energy[1];
      const drift = (damped: boolean): { drift: number; loss: number; kinetic: number } => {
        env.reset(0);
        const v = env.physics.views();
        v.dof_damping.set(damped ? [5e-4, 2e-6] : [0, 0]); // the scene's slider and hinge damping, or none
        v.qpos[1] = 2.5; // pole 0.64 rad off the bottom: 0.1 kg x 9.81 x 0.5 m x (1 - cos 0.64) = 0.097 J to swing with
        env.physics.afterReset();
        const e0 = energy();
        let maxDrift = 0;
        let kinetic = 0;
        for (let t = 0; t < 1000; t++) {
          env.step([0]);
          maxDrift = Math.max(maxDrift, Math.abs(energy() - e0));
          kinetic = Math.max(kinetic, env.physics.data.energy[1]);
        }
        return { drift: maxDrift, loss: e0 - energy(), kinetic };
      };
      const free = drift(false);
      assert.ok(free.kinetic > 0.09, `the pole swings (max kinetic energy ${free.kinetic} J)`);
      assert.ok(free.drift < 1e-7, `undamped energy drift ${free.drift} J`);
      const damped = drift(true);
      assert.ok(damped.loss > 1e-6 && damped.loss < 1e-3 * damped.kinetic, `damping dissipates ${damped.loss} J`);
    } finally {
      env.close();
    }
  });

  it('an uncontrolled pendulum swings with the period of its (lightly damped) physical pendulum', async () => {
    const { physics } = await bindTask('pendulum-swingup');
    try {
      pose(physics, { hinge: Math.PI - 0.1 }); // 0.1 rad from hanging straight down
      // mass 1 kg at 0.5 m, sphere radius 0.05: I = 0.25 + 0.4 * 0.05^2; damping 0.1
      const inertia = 0.25 + 0.4 * 0.05 ** 2;
      const omega0 = Math.sqrt((9.81 * 0.5) / inertia);
      const zeta = 0.1 / (2 * Math.sqrt(inertia * 9.81 * 0.5));
      const period = (2 * Math.PI) / (omega0 * Math.sqrt(1 - zeta * zeta));
      const q = physics.qposAdr('hinge');
      const crossings: number[] = [];
      let prev = physics.views().qpos[q] - Math.PI;
      for (let t = 1; t <= 300; t++) {
        physics.step(1);
        const x = physics.views().qpos[q] - Math.PI;
        if (prev > 0 && x <= 0) crossings.push((t - 1 + prev / (prev - x)) * 0.02);
        prev = x;
      }
      assert.ok(crossings.length >= 3);
      const measured = (crossings[crossings.length - 1] - crossings[0]) / (crossings.length - 1);
      assert.ok(Math.abs(measured / period - 1) < 0.01, `period ${measured} s, expected ${period} s`);
    } finally {
      physics.close();
    }
  });

  it('a walker falls under zero action; a cheetah starts settled with the clock at 0', async () => {
    const walker = await makeDmcEnv('walker-stand');
    const cheetah = await makeDmcEnv('cheetah-run');
    try {
      walker.reset(0);
      let r;
      for (let t = 0; t < 200; t++) r = walker.step(new Float64Array(6));
      assert.ok(walker.observationParts().height[0] < 0.6, `torso height ${walker.observationParts().height[0]}`);
      assert.ok(r!.reward < 0.5);
      cheetah.reset(0);
      assert.equal(cheetah.physics.data.time, 0);
      const speed = Math.max(...cheetah.observationParts().velocity.map(Math.abs));
      assert.ok(speed < 1, `max |qvel| after settling ${speed}`);
    } finally {
      walker.close();
      cheetah.close();
    }
  });

  it('ball_in_cup and finger start collision-free', async () => {
    for (const name of ['ball_in_cup-catch', 'finger-spin', 'finger-turn_hard']) {
      const env = await makeDmcEnv(name);
      try {
        for (let s = 0; s < 20; s++) {
          env.reset(s);
          assert.equal(env.physics.ncon, 0, `${name} seed ${s}`);
        }
      } finally {
        env.close();
      }
    }
  });
});

describe('scores and targets', () => {
  it('normalizedScore is 0 at R_random and 1 at the data mean', () => {
    assert.equal(normalizedScore('cheetah-run', 3.207), 0);
    assert.equal(normalizedScore('cheetah-run', 324.045), 1);
    assert.ok(Math.abs(normalizedScore('walker-walk', 401.6835) - 0.5) < 1e-12);
    assert.ok(Math.abs(normalizedScore('point_mass-easy', 779.273) - 1) < 1e-12);
    assert.throws(() => normalizedScore('point-mass_easy', 1), /no data-normalised score reference for point-mass_easy in the original's data means \(it has acrobot-swingup, .*point_mass-easy, /);
  });

  it('the registry entries carry the score hook', async () => {
    const entry = await taskEntry('reacher-easy');
    assert.equal(entry.normalizedScore!(849.241), 1);
  });

  it('target returns cover DMC16 and the 50 Meta-World v2 tasks', () => {
    assert.deepEqual(Object.keys(DMC_TARGET_RETURNS).sort(), [...DMC16].sort());
    assert.equal(Object.keys(METAWORLD_TARGET_RETURNS).length, 50);
    assert.equal(targetReturn('walker-walk'), 982.159);
    assert.equal(targetReturn('hammer-v2'), 1724.842);
    assert.throws(() => targetReturn('hammer'), /no target return for task 'hammer'/);
  });
});

describe("numpy's RandomState and the original's R_random", () => {
  it('NumpyRandomState reproduces numpy streams (values printed by numpy 1.24)', () => {
    const r = new NumpyRandomState(1);
    assert.deepEqual([r.random(), r.random(), r.random()], [0.417022004702574, 0.7203244934421581, 0.00011437481734488664]);
    r.random();
    r.random();
    assert.deepEqual([r.normal(), r.normal(), r.normal()], [-1.1059350760083153, -1.6545154524065693, -2.363468604780012]);
    const z = new NumpyRandomState(0);
    assert.deepEqual([z.uniform(-Math.PI, Math.PI), z.normal()], [0.3067042906681201, 0.7415917408091613]);
    assert.equal(new NumpyRandomState(4294967295).random(), 0.0976320289940138);
    const k = new NumpyRandomState([123, 456789, 4294967295]);
    assert.deepEqual([k.random(), k.random(), k.random()], [0.9537660311017417, 0.5046389638853982, 0.9839487656196306]);
    assert.deepEqual([k.normal(), k.normal(), k.normal()], [1.1221252174777043, -0.9679136227200373, 2.357458417897825]);
    assert.throws(() => new NumpyRandomState(-1), /seed must be an integer in \[0, 2\^32 - 1\]/);
  });

  it("gymSeedKey is gym 0.21's hashed seed key (sha512 of the decimal seed, two little-endian words)", () => {
    assert.deepEqual(gymSeedKey(1), [2739863373, 598274112]);
    assert.deepEqual(gymSeedKey(42), [3917269561, 1772078828]);
  });

  it('numpyResets gives dm_control initial states: cartpole-balance, seed 1', async () => {
    const env = await makeDmcEnv('cartpole-balance', { seed: 1, numpyResets: true });
    try {
      env.reset();
      // slider ~ uniform(-.1, .1), hinge ~ uniform(-.034, .034), qvel = 0.01 randn(2), from RandomState(1)
      const [u0, u1] = [0.417022004702574, 0.7203244934421581];
      const { qpos, qvel } = env.physics.views();
      assert.equal(qpos[0], -0.1 + 0.2 * u0);
      assert.equal(qpos[1], -0.034 + 0.068 * u1);
      const n = new NumpyRandomState(1);
      n.random();
      n.random();
      assert.deepEqual([...qvel], [0.01 * n.normal(), 0.01 * n.normal()]);
    } finally {
      env.close();
    }
  });

  it("replaying the original's measurement reproduces its R_random exactly (non-chaotic tasks)", async () => {
    for (const task of ['cartpole-balance', 'cheetah-run', 'point_mass-easy', 'finger-turn_hard']) {
      const returns = await originalRandomReturns(DMC_TASKS[task]);
      const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
      assert.equal(mean.toFixed(3), DMC_SCORE_REFERENCES[task].random.toFixed(3), task);
    }
  });
});
