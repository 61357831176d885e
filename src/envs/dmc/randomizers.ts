/**
 * dm_control's `randomize_limited_and_rotational_joints` (suite/utils/randomizers.py), drawing
 * from the task's generator in the same order as dm_control draws from numpy, joint by joint:
 * limited hinges and slides uniform in their range, limited balls a random rotation of at most
 * `range[1]`, unlimited hinges uniform in [-pi, pi], unlimited balls uniform on the 3-sphere, and the
 * orientation of free joints from normalised `rand(4)` (a known dm_control quirk kept for
 * comparability). Unlimited slides and the position of free joints are left alone.
 */
import type { DmcPhysics } from './physics.ts';
import type { ResetRng } from './task.ts';

/** MuJoCo's `mju_axisAngle2Quat` for a unit axis. */
export function axisAngleToQuat(axis: ArrayLike<number>, angle: number): [number, number, number, number] {
  if (angle === 0) return [1, 0, 0, 0];
  const s = Math.sin(angle / 2);
  return [Math.cos(angle / 2), axis[0] * s, axis[1] * s, axis[2] * s];
}

function normalised(v: number[]): number[] {
  let sq = 0;
  for (const x of v) sq += x * x;
  const n = Math.sqrt(sq);
  return v.map((x) => x / n);
}

/** A rotation about a uniformly random axis by an angle uniform in [0, limit). */
export function randomLimitedQuaternion(rng: ResetRng, limit: number): [number, number, number, number] {
  const axis = normalised([rng.normal(), rng.normal(), rng.normal()]);
  const angle = rng.random() * limit;
  return axisAngleToQuat(axis, angle);
}

export function randomizeLimitedAndRotationalJoints(physics: DmcPhysics, rng: ResetRng): void {
  const { mj, model } = physics;
  const HINGE = mj.mjtJoint.mjJNT_HINGE.value;
  const SLIDE = mj.mjtJoint.mjJNT_SLIDE.value;
  const BALL = mj.mjtJoint.mjJNT_BALL.value;
  const FREE = mj.mjtJoint.mjJNT_FREE.value;
  const types: Int32Array = model.jnt_type;
  const limited: Uint8Array = model.jnt_limited;
  const range: Float64Array = model.jnt_range;
  const adr: Int32Array = model.jnt_qposadr;
  const qpos = physics.views().qpos;
  for (let j = 0; j < model.njnt; j++) {
    const type = types[j];
    const [lo, hi] = [range[2 * j], range[2 * j + 1]];
    const a = adr[j];
    if (limited[j]) {
      if (type === HINGE || type === SLIDE) qpos[a] = rng.uniform(lo, hi);
      else if (type === BALL) qpos.set(randomLimitedQuaternion(rng, hi), a);
    } else if (type === HINGE) {
      qpos[a] = rng.uniform(-Math.PI, Math.PI);
    } else if (type === BALL) {
      qpos.set(normalised([rng.normal(), rng.normal(), rng.normal(), rng.normal()]), a);
    } else if (type === FREE) {
      qpos.set(normalised([rng.random(), rng.random(), rng.random(), rng.random()]), a + 3);
    }
  }
}
