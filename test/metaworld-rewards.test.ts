/** The Meta-World reward helpers against hand-derived values, and the rotation conversions. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { hamacherProduct, inverseTolerance, rectPrismTolerance, sigmoid, tolerance } from '../src/envs/metaworld/rewards.ts';
import { eulerXYZToQuat, matToQuatXYZW, quatToMat } from '../src/envs/metaworld/rotation.ts';
import { makeEnv } from '../src/envs/registry.ts';
import { scriptedPolicy } from '../src/envs/policies.ts';

const close = (a: number, b: number, eps = 1e-12): void => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

it('tolerance is 1 inside the bounds and a step function without margin', () => {
  assert.equal(tolerance(0.03, { bounds: [0, 0.05], margin: 0.2, sigmoid: 'long_tail' }), 1);
  assert.equal(tolerance(0.05, { bounds: [0, 0.05] }), 1);
  assert.equal(tolerance(0.051, { bounds: [0, 0.05] }), 0);
  assert.equal(tolerance(0), 1);
});

it('tolerance long_tail: 1 / ((d·√(1/0.1 − 1))² + 1)', () => {
  // x = 0.15 is 0.1 past the bound, d = 0.1 / 0.2 = 0.5, scale = 3: 1 / (1.5² + 1) = 1 / 3.25
  close(tolerance(0.15, { bounds: [0, 0.05], margin: 0.2, sigmoid: 'long_tail' }), 1 / 3.25);
  // below the lower bound the distance is measured to it
  close(tolerance(0.005, { bounds: [0.015, 0.05], margin: 0.02, sigmoid: 'long_tail' }), 1 / (0.25 * 9 + 1));
  close(tolerance(1.2, { bounds: [0, 0.2], margin: 1, sigmoid: 'long_tail' }), 0.1);
});

it('tolerance gaussian equals valueAtMargin^(d²)', () => {
  close(tolerance(0.5, { margin: 1 }), 0.1 ** 0.25);
  close(tolerance(2, { margin: 1 }), 0.1 ** 4);
  close(tolerance(-1, { margin: 1, valueAtMargin: 0.5 }), 0.5);
});

it('the other sigmoids match their closed forms at d = 0.5 and d = 1', () => {
  close(sigmoid(0.5, 0.1, 'linear'), 1 - 0.5 * 0.9);
  close(sigmoid(0.5, 0.1, 'quadratic'), 1 - 0.25 * 0.9);
  close(sigmoid(0.5, 0.1, 'reciprocal'), 1 / 5.5);
  close(sigmoid(1, 0.1, 'hyperbolic'), 0.1);
  close(sigmoid(1, 0.1, 'tanh_squared'), 0.1);
  close(sigmoid(1, 0.1, 'cosine'), 0.1);
  close(sigmoid(1.2, 0, 'linear'), 0);
  close(sigmoid(0.5, 0.5, 'cosine'), (1 + Math.cos(Math.PI / 4)) / 2);
});

it('inverseTolerance is 0 inside the bounds and 1 - reciprocal falloff with value 0 at the margin', () => {
  assert.equal(inverseTolerance(0.01, { bounds: [0, 0.02], margin: 0.1 }), 0);
  assert.equal(inverseTolerance(0.2, { bounds: [0, 0.02], margin: 0.1, sigmoid: 'linear' }), 1);
  close(inverseTolerance(0.07, { bounds: [0, 0.02], margin: 0.1, sigmoid: 'linear' }), 0.5);
});

it('tolerance rejects bad bounds, margins and sigmoid parameters', () => {
  assert.throws(() => tolerance(0, { bounds: [1, 0] }), /lower bound/);
  assert.throws(() => tolerance(2, { margin: -1 }), /margin/);
  assert.throws(() => tolerance(2, { margin: 1, valueAtMargin: 1 }), /valueAt1/);
  assert.throws(() => sigmoid(1, 0.1, 'nope' as never), /unknown sigmoid/);
});

it('hamacherProduct: ab / (a + b − ab), 0 for (0, 0), inputs in [0, 1]', () => {
  close(hamacherProduct(0.5, 0.5), 1 / 3);
  close(hamacherProduct(1, 0.3), 0.3);
  close(hamacherProduct(0.2, 0.6), 0.12 / 0.68);
  assert.equal(hamacherProduct(0, 0), 0);
  assert.throws(() => hamacherProduct(1.5, 0.2), /\[0, 1\]/);
});

it('rectPrismTolerance: product of per-axis fractions inside, 1 outside', () => {
  close(rectPrismTolerance([0.5, 1, 1], [0, 0, 0], [1, 2, 4]), 0.5 * 0.5 * 0.25);
  close(rectPrismTolerance([0.25, 0.5, 0.5], [1, 1, 1], [0, 0, 0]), 0.75 * 0.5 * 0.5);
  assert.equal(rectPrismTolerance([2, 1, 1], [0, 0, 0], [1, 2, 4]), 1);
});

it('matToQuatXYZW follows scipy (x, y, z, w) with its branch choice', () => {
  assert.deepEqual([...matToQuatXYZW([1, 0, 0, 0, 1, 0, 0, 0, 1])], [0, 0, 0, 1]);
  // 180° about x: scipy gives (1, 0, 0, 0), not (−1, 0, 0, 0)
  assert.deepEqual([...matToQuatXYZW([1, 0, 0, 0, -1, 0, 0, 0, -1])], [1, 0, 0, 0]);
  const q = matToQuatXYZW([0, -1, 0, 1, 0, 0, 0, 0, 1]); // 90° about z
  [0, 0, Math.SQRT1_2, Math.SQRT1_2].forEach((v, i) => close(q[i], v, 1e-15));
  // a 3-offset matrix read from a larger array
  const packed = [9, 9, 9, 1, 0, 0, 0, 1, 0, 0, 0, 1];
  assert.deepEqual([...matToQuatXYZW(packed, 3)], [0, 0, 0, 1]);
});

it('quatToMat and eulerXYZToQuat agree with matToQuatXYZW', () => {
  const wxyz = eulerXYZToQuat(0.3, -0.7, 1.1);
  const back = matToQuatXYZW(quatToMat(wxyz));
  const sign = Math.sign(back[3]) * Math.sign(wxyz[0]);
  [wxyz[1], wxyz[2], wxyz[3], wxyz[0]].forEach((v, i) => close(back[i] * sign, v, 1e-12));
  const z90 = eulerXYZToQuat(0, 0, Math.PI / 2);
  [Math.SQRT1_2, 0, 0, Math.SQRT1_2].forEach((v, i) => close(z90[i], v, 1e-15));
});

it('reach-v2 reward is 10·tolerance(|tcp − goal|) and the observation ends with the goal', async () => {
  const env = await makeEnv('reach-v2');
  try {
    const obs = env.reset(3);
    const r = env.step([0, 0, 0, 0]);
    const goal = [...obs.subarray(36, 39)];
    assert.deepEqual([...r.obs.subarray(36, 39)], goal);
    const tcpToTarget = r.info.obj_to_target!;
    const margin = Math.hypot(0 - goal[0], 0.6 - goal[1], 0.2 - goal[2]);
    close(r.reward, 10 * tolerance(tcpToTarget, { bounds: [0, 0.05], margin, sigmoid: 'long_tail' }));
  } finally {
    env.close();
  }
});

it('pick-place-v2: the expert grasps (both pads touch the puck) and lifts it', async () => {
  const env = await makeEnv('pick-place-v2');
  try {
    const policy = await scriptedPolicy('pick-place-v2');
    let obs = env.reset(5);
    let grasped = 0;
    let maxGraspReward = 0;
    for (let i = 0; i < 200; i++) {
      const r = env.step(policy.act(obs));
      obs = r.obs;
      grasped = Math.max(grasped, r.info.grasp_success!);
      maxGraspReward = Math.max(maxGraspReward, r.info.grasp_reward!);
    }
    assert.equal(grasped, 1);
    assert.ok(maxGraspReward > 0.9, `grasp reward ${maxGraspReward}`);
  } finally {
    env.close();
  }
});

it('button-press-topdown-wall-v2 keeps upstream v2\'s reward: its open-gripper expert earns ~0 while succeeding', async () => {
  // Upstream's v2 reward (Meta-World at L2M's pin, and its v2 file to date) is
  // 5·hamacher(1 − obs[3], near_button) + [tcp_to_obj ≤ 0.03]·5·button_pressed, as button-press-topdown's.
  // Upstream's wall expert keeps the gripper open (obs[3] clipped to 1, so 1 − obs[3] = 0) and presses
  // 6 cm behind the button centre (tcp_to_obj > 0.03): return ≈ 0 with success (upstream issue #481).
  // Upstream's v3 file switched to max(obs[3], 0) in 2025 (PR #548); L2M's data and targets predate it.
  // The topdown expert, gripper closed, earns in the wall scene what it earns without the wall.
  const returns: Record<string, number> = {};
  for (const policyTask of ['button-press-topdown-wall-v2', 'button-press-topdown-v2']) {
    const env = await makeEnv('button-press-topdown-wall-v2');
    try {
      const policy = await scriptedPolicy(policyTask);
      let obs = env.reset(0);
      let ret = 0;
      let success = 0;
      for (let i = 0; i < 200; i++) {
        const r = env.step(policy.act(obs));
        obs = r.obs;
        const grip = 5 * hamacherProduct(1 - obs[3], r.info.grasp_reward!);
        const press = r.reward - grip;
        // the press term is all or nothing, and never paid 5 cm or more from the button
        assert.ok(Math.abs(press) < 1e-9 || Math.abs(press - 5 * r.info.in_place_reward!) < 1e-9, `step ${i}: press term ${press}`);
        if (!r.info.near_object) assert.ok(Math.abs(press) < 1e-9, `step ${i}: press term ${press} far from the button`);
        ret += r.reward;
        success = r.info.success!;
      }
      assert.equal(success, 1, `${policyTask} expert: final-step success`);
      returns[policyTask] = ret;
    } finally {
      env.close();
    }
  }
  assert.ok(returns['button-press-topdown-wall-v2'] < 10, `wall expert return ${returns['button-press-topdown-wall-v2']}`);
  assert.ok(returns['button-press-topdown-v2'] > 1000, `topdown expert in the wall scene: return ${returns['button-press-topdown-v2']}`);
});
