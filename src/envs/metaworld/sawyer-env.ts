/**
 * The Sawyer arm environment every Meta-World task extends (upstream `SawyerXYZEnv`, v2 rewards,
 * MuJoCo 3): mocap position control of the hand, a two-finger gripper, 39-d observations
 * (hand 3, gripper opening 1, objects padded to 14, the previous frame's 18, goal 3), and the shared
 * reward pieces (`tcpCenter`, `touchingObject`, `gripperCagingReward`).
 *
 * A task subclass passes its bounds to `super(ctx, config)` and implements `resetModel`,
 * `objectPositions`, `objectQuaternions` and `evaluateState` (see ADDING_TASKS.md).
 *
 * The envs of a scene in a thread share one compiled model (`ModelLease`): `reset`, `step` and
 * `modelView` make the model this env's first, and what a task writes into the model (in its
 * constructor or `resetModel`) is recorded at the end of construction and of every reset. Tasks
 * must not write the model in `evaluateState` or the observation methods.
 */
import type { Mujoco, MjModel, MjData, ModelLease } from '../mujoco.ts';
import { makeData, nameToId } from '../mujoco.ts';
import { Rng } from '../rng.ts';
import { boxSpace, type BoxSpace, type Env, type StepInfo, type StepResult } from '../types.ts';
import { padCagingReward, type PadCagingMargins } from './pad-caging-reward.ts';
import { hamacherProduct, tolerance } from './rewards.ts';
import { matToQuatXYZW } from './rotation.ts';

export type XYZ = readonly [number, number, number];

/** What the factory hands every task constructor (pass it straight to `super`). */
export interface SawyerContext {
  mj: Mujoco;
  /** This env's hold on the thread's compiled model of the scene (shared with the other envs of the scene). */
  lease: ModelLease;
  name: string;
  maxEpisodeSteps: number;
  seed: number;
}

/** A task's fixed geometry: upstream's constructor arguments and spaces. */
export interface SawyerConfig {
  /** Bounds of the hand (`hand_low`/`hand_high`); the mocap is clipped to them unless `mocapLow/High` are given. */
  handLow: XYZ;
  handHigh: XYZ;
  mocapLow?: XYZ;
  mocapHigh?: XYZ;
  /** `init_config['hand_init_pos']`: where `resetHand` drives the mocap. */
  handInitPos: XYZ;
  /** `_random_reset_space`: `randomResetVector()` samples uniformly from this box. */
  randomResetLow: readonly number[];
  randomResetHigh: readonly number[];
  /** `goal_space`: the goal's observation bounds (the observation is clipped to them, as upstream); default the hand's. */
  goalLow?: XYZ;
  goalHigh?: XYZ;
}

export interface Evaluation {
  reward: number;
  info: StepInfo & { success: number };
}

/** The info most tasks report, in upstream's key order; booleans become 0/1 (see `evaluation`). */
export interface EvaluationTerms {
  success: boolean | number;
  nearObject: boolean | number;
  graspSuccess: boolean | number;
  graspReward: number;
  inPlaceReward: number;
  objToTarget: number;
}

/** The reward with upstream's usual info dict (`unscaled_reward` repeats the reward). */
export function evaluation(reward: number, t: EvaluationTerms): Evaluation {
  return {
    reward,
    info: {
      success: Number(t.success),
      near_object: Number(t.nearObject),
      grasp_success: Number(t.graspSuccess),
      grasp_reward: t.graspReward,
      in_place_reward: t.inPlaceReward,
      obj_to_target: t.objToTarget,
      unscaled_reward: reward,
    },
  };
}

export interface CagingOptions {
  objRadius: number;
  padSuccessThresh: number;
  objectReachRadius: number;
  xzThresh: number;
  desiredGripperEffort?: number;
  highDensity?: boolean;
  mediumDensity?: boolean;
}

/** Upstream `_HAND_SPACE`: the hand's observation bounds. */
export const HAND_SPACE_LOW: XYZ = [-0.525, 0.348, -0.0525];
export const HAND_SPACE_HIGH: XYZ = [0.525, 1.025, 0.7];
export const FRAME_SKIP = 5;
export const ACTION_SCALE = 1 / 100;
const OBS_OBJ_MAX_LEN = 14;
/** The hand-mocap weld in MuJoCo 3's 11-number layout: anchor 0, relpose identity flipped (-1,0,0,0), torquescale 5. */
const WELD_EQ_DATA = [0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 5];
const MOCAP_QUAT = [1, 0, 1, 0];
/** Model arrays a task may rewrite at reset; restored before every reset. */
const MOVABLE_MODEL_ARRAYS = ['body_pos', 'body_quat', 'site_pos', 'site_quat', 'geom_pos', 'geom_quat', 'geom_size'];

type ObjKind = 'body' | 'joint' | 'geom' | 'site';

export abstract class SawyerXYZEnv implements Env {
  readonly name: string;
  readonly domain = 'metaworld' as const;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace = boxSpace([-1, -1, -1, -1], [1, 1, 1, 1]);
  readonly maxEpisodeSteps: number;
  get elapsedSteps(): number {
    return this.curPathLength;
  }

  protected readonly mj: Mujoco;
  /** The scene's compiled model, shared with the other envs of the scene in this thread (call `activate()` before using it outside `reset`/`step`). */
  protected readonly model: MjModel;
  private readonly lease: ModelLease;
  protected readonly data: MjData;
  /** Reset generator: `randomResetVector()` draws from it; `reset(seed)` re-seeds it. */
  protected readonly rng: Rng;

  readonly handLow: XYZ;
  readonly handHigh: XYZ;
  readonly mocapLow: XYZ;
  readonly mocapHigh: XYZ;
  readonly randomResetLow: readonly number[];
  readonly randomResetHigh: readonly number[];
  readonly goalLow: XYZ;
  readonly goalHigh: XYZ;
  handInitPos: Float64Array;

  /** Upstream `_target_pos`: the goal (observation's last 3 numbers unless `goalPosition` is overridden). */
  targetPos: Float64Array = new Float64Array(3);
  /** Upstream `obj_init_pos`: set by `resetModel`. */
  objInitPos: Float64Array = new Float64Array(3);
  /** Gripper centre after `resetHand` (upstream `init_tcp`). */
  initTcp: Float64Array = new Float64Array(3);
  /** Pad positions at construction (upstream `init_left_pad`/`init_right_pad`; some tasks refresh them at reset). */
  initLeftPad: Float64Array;
  initRightPad: Float64Array;
  /** The geom that `touchingMainObject` checks (upstream `_get_id_main_object`). */
  protected mainObjectGeom = 'objGeom';

  private curPathLength = 0;
  private prevObs: Float64Array | null = null;
  private readonly ids = new Map<string, number>();
  private readonly views = new Map<string, Float64Array>();
  private readonly obsLow: Float64Array;
  private readonly obsHigh: Float64Array;
  private readonly mocapId: number;
  private readonly handBody: number;
  private readonly rightClaw: number;
  private readonly leftClaw: number;
  private readonly rightEE: number;
  private readonly leftEE: number;
  private readonly leftPadGeom: number;
  private readonly rightPadGeom: number;
  private closed = false;
  private fixtures: Map<string, Float64Array> | null = null;

  constructor(ctx: SawyerContext, config: SawyerConfig) {
    this.name = ctx.name;
    this.mj = ctx.mj;
    this.lease = ctx.lease;
    this.model = ctx.lease.model;
    this.maxEpisodeSteps = ctx.maxEpisodeSteps;
    this.rng = new Rng(ctx.seed);
    this.handLow = config.handLow;
    this.handHigh = config.handHigh;
    this.mocapLow = config.mocapLow ?? config.handLow;
    this.mocapHigh = config.mocapHigh ?? config.handHigh;
    this.handInitPos = Float64Array.from(config.handInitPos);
    this.randomResetLow = config.randomResetLow;
    this.randomResetHigh = config.randomResetHigh;
    if (config.randomResetLow.length !== config.randomResetHigh.length) {
      throw new Error(`${ctx.name}: randomResetLow has ${config.randomResetLow.length} numbers, randomResetHigh ${config.randomResetHigh.length}`);
    }
    this.goalLow = config.goalLow ?? config.handLow;
    this.goalHigh = config.goalHigh ?? config.handHigh;

    this.data = makeData(this.mj, this.lease); // activates the lease: the model is the compiled scene now
    // Upstream reset_mocap_welds: every weld gets MuJoCo 3's layout with torquescale 5.
    const weld = this.mj.mjtEq.mjEQ_WELD.value;
    const eqType = this.model.eq_type;
    for (let i = 0; i < this.model.neq; i++) {
      if (eqType[i] === weld) this.model.eq_data.set(WELD_EQ_DATA, i * 11);
    }
    this.mj.mj_forward(this.model, this.data);

    this.mocapId = this.model.body_mocapid[this.bodyId('mocap')];
    this.handBody = this.bodyId('hand');
    this.rightClaw = this.bodyId('rightclaw');
    this.leftClaw = this.bodyId('leftclaw');
    this.rightEE = this.siteId('rightEndEffector');
    this.leftEE = this.siteId('leftEndEffector');
    this.leftPadGeom = this.geomId('leftpad_geom');
    this.rightPadGeom = this.geomId('rightpad_geom');
    this.initLeftPad = this.bodyPos('leftpad');
    this.initRightPad = this.bodyPos('rightpad');

    const inf = new Array(OBS_OBJ_MAX_LEN).fill(Infinity);
    const frameLow = [...HAND_SPACE_LOW, -1, ...inf.map((x) => -x)];
    const frameHigh = [...HAND_SPACE_HIGH, 1, ...inf];
    this.obsLow = Float64Array.from([...frameLow, ...frameLow, ...this.goalLow]);
    this.obsHigh = Float64Array.from([...frameHigh, ...frameHigh, ...this.goalHigh]);
    this.observationSpace = boxSpace(this.obsLow, this.obsHigh);
  }

  // ---- What each task implements -------------------------------------------------------------

  /**
   * Upstream `reset_model` (minus the returned observation): usually `this.resetHand()`, then draw
   * `this.randomResetVector()`, place objects, set `this.targetPos` / `this.objInitPos`.
   * Runs after `mj_resetData`; the base computes the observation afterwards.
   */
  protected abstract resetModel(): void;
  /** Upstream `_get_pos_objects`: 3 numbers per object (at most 2 objects with quaternions: 14 numbers). */
  protected abstract objectPositions(): ArrayLike<number>;
  /** Upstream `_get_quat_objects`: 4 numbers per object, in the task's convention. */
  protected abstract objectQuaternions(): ArrayLike<number>;
  /** Upstream `evaluate_state` with `compute_reward` (v2): reward and info (`success` plus reward terms). */
  abstract evaluateState(obs: Float64Array, action: Float64Array): Evaluation;
  /** Upstream `_get_pos_goal`. */
  protected goalPosition(): ArrayLike<number> {
    return this.targetPos;
  }

  // ---- Env -----------------------------------------------------------------------------------

  reset(seed?: number): Float64Array {
    this.assertOpen();
    this.lease.activate();
    if (seed !== undefined) this.rng.seed(seed);
    this.curPathLength = 0;
    this.restoreFixtures();
    this.mj.mj_resetData(this.model, this.data);
    this.resetModel();
    // Upstream reads the first observation without a final mj_forward, so tasks that move model
    // bodies at reset (drawer, ...) showed stale positions; we refresh for a reproducible first frame.
    this.forward();
    this.lease.commit();
    const curr = this.currentFrame();
    // Upstream reset(): the first observation repeats the current frame as the "previous" one.
    this.prevObs = curr;
    // Upstream clips only step observations; clipping here too keeps every observation inside the space.
    return this.clipToSpace(this.assemble(curr, curr));
  }

  step(action: ArrayLike<number>): StepResult {
    this.assertOpen();
    if (this.prevObs === null) throw new Error(`${this.name}: call reset() before step()`);
    if (action.length !== 4) throw new Error(`${this.name}: actions have 4 numbers, got ${action.length}`);
    if (this.curPathLength >= this.maxEpisodeSteps) {
      throw new Error(`${this.name}: episode is over (${this.maxEpisodeSteps} steps); call reset()`);
    }
    this.lease.activate();
    const a = new Float64Array(4);
    for (let i = 0; i < 4; i++) {
      const v = action[i];
      if (!Number.isFinite(v)) throw new Error(`${this.name}: action[${i}] is ${v}`);
      a[i] = v < -1 ? -1 : v > 1 ? 1 : v;
    }
    this.setXyzAction(a);
    this.doSimulation(a[3], -a[3]);
    this.curPathLength++;
    this.mj.mj_forward(this.model, this.data);

    const curr = this.currentFrame();
    const obs = this.assemble(curr, this.prevObs);
    this.prevObs = curr;
    this.clipToSpace(obs);
    const { reward, info } = this.evaluateState(obs, a);
    return { obs, reward, terminated: false, truncated: this.curPathLength === this.maxEpisodeSteps, info };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.views.clear();
    this.data.delete();
    this.lease.release();
  }

  /** Makes the shared model this env's (its fixtures, goal sites, ...) for direct use of `model`; `reset` and `step` do it themselves. */
  activate(): void {
    this.assertOpen();
    this.lease.activate();
  }

  /**
   * Puts the model arrays tasks move at reset (fixture bodies, sites, geoms) back where the scene had
   * them, so every episode depends on its seed only. Upstream leaves the last episode's placement in
   * the model while the hand is reset; with a fixture near the hand that made episodes history-dependent.
   */
  private restoreFixtures(): void {
    if (this.fixtures === null) {
      this.fixtures = new Map(MOVABLE_MODEL_ARRAYS.map((f) => [f, this.modelView(f).slice()]));
      return;
    }
    for (const [f, saved] of this.fixtures) this.modelView(f).set(saved);
  }

  // ---- Control -------------------------------------------------------------------------------

  private setXyzAction(a: Float64Array): void {
    const pos = this.dataView('mocap_pos');
    const quat = this.dataView('mocap_quat');
    const o = 3 * this.mocapId;
    for (let i = 0; i < 3; i++) {
      const p = pos[o + i] + a[i] * ACTION_SCALE;
      pos[o + i] = p < this.mocapLow[i] ? this.mocapLow[i] : p > this.mocapHigh[i] ? this.mocapHigh[i] : p;
    }
    quat.set(MOCAP_QUAT, 4 * this.mocapId);
  }

  /** Sets the gripper controls and runs `FRAME_SKIP` physics steps (upstream `do_simulation`). */
  protected doSimulation(ctrlRight: number, ctrlLeft: number, nFrames = FRAME_SKIP): void {
    const ctrl = this.dataView('ctrl');
    ctrl[0] = ctrlRight;
    ctrl[1] = ctrlLeft;
    for (let i = 0; i < nFrames; i++) this.mj.mj_step(this.model, this.data);
  }

  /** Upstream `_reset_hand`: holds the mocap at `handInitPos` with the gripper open for `steps` × 5 physics steps. */
  protected resetHand(steps = 50): void {
    for (let s = 0; s < steps; s++) {
      this.dataView('mocap_pos').set(this.handInitPos, 3 * this.mocapId);
      this.dataView('mocap_quat').set(MOCAP_QUAT, 4 * this.mocapId);
      this.doSimulation(-1, 1);
    }
    this.initTcp = this.tcpCenter();
  }

  // ---- Observation ---------------------------------------------------------------------------

  /** Upstream `_get_curr_obs_combined_no_goal`: hand (3), gripper opening (1), objects padded to 14. */
  protected currentFrame(): Float64Array {
    const frame = new Float64Array(18);
    const xpos = this.dataView('xpos');
    const h = 3 * this.handBody;
    frame[0] = xpos[h];
    frame[1] = xpos[h + 1];
    frame[2] = xpos[h + 2];
    const r = 3 * this.rightClaw;
    const l = 3 * this.leftClaw;
    const apart = Math.hypot(xpos[r] - xpos[l], xpos[r + 1] - xpos[l + 1], xpos[r + 2] - xpos[l + 2]) / 0.1;
    frame[3] = apart < 0 ? 0 : apart > 1 ? 1 : apart;
    const pos = this.objectPositions();
    const quat = this.objectQuaternions();
    if (pos.length % 3 !== 0 || quat.length % 4 !== 0 || pos.length / 3 !== quat.length / 4 || pos.length + quat.length > OBS_OBJ_MAX_LEN) {
      throw new Error(`${this.name}: objectPositions (${pos.length}) and objectQuaternions (${quat.length}) must describe the same objects, at most 14 numbers`);
    }
    let k = 4;
    for (let o = 0; o < pos.length / 3; o++) {
      for (let i = 0; i < 3; i++) frame[k++] = pos[3 * o + i];
      for (let i = 0; i < 4; i++) frame[k++] = quat[4 * o + i];
    }
    return frame;
  }

  private clipToSpace(obs: Float64Array): Float64Array {
    for (let i = 0; i < obs.length; i++) {
      if (obs[i] < this.obsLow[i]) obs[i] = this.obsLow[i];
      else if (obs[i] > this.obsHigh[i]) obs[i] = this.obsHigh[i];
    }
    return obs;
  }

  private assemble(curr: Float64Array, prev: Float64Array): Float64Array {
    const obs = new Float64Array(39);
    obs.set(curr, 0);
    obs.set(prev, 18);
    const goal = this.goalPosition();
    obs[36] = goal[0];
    obs[37] = goal[1];
    obs[38] = goal[2];
    return obs;
  }

  // ---- Helpers for tasks ---------------------------------------------------------------------

  /** Cached MuJoCo id of a named body / joint / geom / site (throws naming the task and object if absent). */
  protected id(kind: ObjKind, name: string): number {
    const key = `${kind}:${name}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      try {
        id = nameToId(this.mj, this.model, kind, name);
      } catch (err) {
        throw new Error(`${this.name}: ${(err as Error).message}`);
      }
      this.ids.set(key, id);
    }
    return id;
  }
  protected bodyId(name: string): number {
    return this.id('body', name);
  }
  protected geomId(name: string): number {
    return this.id('geom', name);
  }
  protected siteId(name: string): number {
    return this.id('site', name);
  }
  protected jointId(name: string): number {
    return this.id('joint', name);
  }
  /** Index of a joint's first value in qpos (upstream `data.joint(name).qpos`). */
  protected jointQposAdr(name: string): number {
    return this.modelView('jnt_qposadr')[this.jointId(name)];
  }
  /** Index of a joint's first value in qvel. */
  protected jointDofAdr(name: string): number {
    return this.modelView('jnt_dofadr')[this.jointId(name)];
  }

  /**
   * A live view of an `MjData` array (`qpos`, `qvel`, `xpos`, `site_xpos`, ...), re-fetched when the
   * wasm heap has grown (views detach then). Do not keep it across MuJoCo calls that may allocate.
   */
  protected dataView(field: string): Float64Array {
    return this.cachedView('d.' + field, () => this.data[field]);
  }
  /** A live view of an `MjModel` array (`body_pos`, `site_pos`, `geom_size`, ...). */
  protected modelView(field: string): Float64Array {
    this.lease.activate();
    return this.cachedView('m.' + field, () => this.model[field]);
  }
  private cachedView(key: string, fetch: () => Float64Array): Float64Array {
    let v = this.views.get(key);
    if (v === undefined || v.buffer.byteLength === 0) {
      v = fetch();
      if (v === undefined) throw new Error(`${this.name}: MuJoCo has no array '${key.slice(2)}'`);
      this.views.set(key, v);
    }
    return v;
  }
  protected get qpos(): Float64Array {
    return this.dataView('qpos');
  }
  protected get qvel(): Float64Array {
    return this.dataView('qvel');
  }

  /** A copy of 3 (or `n`) numbers of `field` at row `index`. */
  private row(view: Float64Array, index: number, n = 3): Float64Array {
    return view.slice(n * index, n * index + n);
  }
  /** Body position in the world (upstream `get_body_com` / `data.body(name).xpos`), a copy. */
  protected bodyPos(name: string): Float64Array {
    return this.row(this.dataView('xpos'), this.bodyId(name));
  }
  /** Body orientation, MuJoCo (w, x, y, z) order (`data.body(name).xquat`), a copy. */
  protected bodyQuat(name: string): Float64Array {
    return this.row(this.dataView('xquat'), this.bodyId(name), 4);
  }
  /** Row-major rotation matrix of a body (`data.body(name).xmat`), a copy. */
  protected bodyXmat(name: string): Float64Array {
    return this.row(this.dataView('xmat'), this.bodyId(name), 9);
  }
  /** Geom position in the world (`data.geom(name).xpos`), a copy. */
  protected geomPos(name: string): Float64Array {
    return this.row(this.dataView('geom_xpos'), this.geomId(name));
  }
  /** Row-major rotation matrix of a geom (`data.geom(name).xmat`), a copy. */
  protected geomXmat(name: string): Float64Array {
    return this.row(this.dataView('geom_xmat'), this.geomId(name), 9);
  }
  /** `Rotation.from_matrix(data.geom(name).xmat).as_quat()`: scipy (x, y, z, w) order. */
  protected geomQuatXYZW(name: string): Float64Array {
    return matToQuatXYZW(this.dataView('geom_xmat'), 9 * this.geomId(name));
  }
  /** Site position in the world (upstream `_get_site_pos`), a copy. */
  protected sitePos(name: string): Float64Array {
    return this.row(this.dataView('site_xpos'), this.siteId(name));
  }
  /** A body's position in the model (`model.body(name).pos`, relative to its parent), a copy. */
  protected modelBodyPos(name: string): Float64Array {
    return this.row(this.modelView('body_pos'), this.bodyId(name));
  }
  /** Moves a site in the model (upstream `model.site(name).pos = pos`, e.g. the goal marker). */
  protected setSitePos(name: string, pos: ArrayLike<number>): void {
    this.modelView('site_pos').set([pos[0], pos[1], pos[2]], 3 * this.siteId(name));
  }
  /** Moves a body in the model (upstream `model.body(name).pos = pos`; fixtures such as a drawer). */
  protected setBodyPos(name: string, pos: ArrayLike<number>): void {
    this.modelView('body_pos').set([pos[0], pos[1], pos[2]], 3 * this.bodyId(name));
  }
  /** Sets a body's model quaternion, (w, x, y, z) (upstream `model.body(name).quat = q`). */
  protected setBodyQuat(name: string, quat: ArrayLike<number>): void {
    this.modelView('body_quat').set([quat[0], quat[1], quat[2], quat[3]], 4 * this.bodyId(name));
  }

  /** Upstream `set_state`: writes qpos and qvel, then `mj_forward`. */
  protected setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    this.qpos.set(qpos);
    this.qvel.set(qvel);
    this.forward();
  }
  /** Upstream `_set_obj_xyz`: qpos[9:12] = pos, qvel[9:15] = 0, then `mj_forward`. */
  protected setObjXyz(pos: ArrayLike<number>): void {
    const qpos = this.qpos;
    qpos[9] = pos[0];
    qpos[10] = pos[1];
    qpos[11] = pos[2];
    this.qvel.fill(0, 9, 15);
    this.forward();
  }
  protected forward(): void {
    this.mj.mj_forward(this.model, this.data);
  }

  /** Upstream `_get_state_rand_vec` with fresh positions at every reset: uniform over the random-reset box. */
  protected randomResetVector(): Float64Array {
    return this.rng.uniformBox(this.randomResetLow, this.randomResetHigh);
  }

  /**
   * `randomResetVector()` drawn again while the object (v[0:2]) lies within `minDist` in x-y of the goal
   * (v[3:5], or the fixed `goal`): upstream's resampling loops.
   */
  protected randomResetVectorApart(minDist: number, goal?: ArrayLike<number>): Float64Array {
    const tooClose = (v: Float64Array): boolean => {
      const g = goal ?? v.subarray(3);
      return Math.hypot(v[0] - g[0], v[1] - g[1]) < minDist;
    };
    let v = this.randomResetVector();
    while (tooClose(v)) v = this.randomResetVector();
    return v;
  }

  /** Midpoint of the two fingertip sites (upstream `tcp_center`). */
  tcpCenter(): Float64Array {
    const s = this.dataView('site_xpos');
    const r = 3 * this.rightEE;
    const l = 3 * this.leftEE;
    return Float64Array.of((s[r] + s[l]) / 2, (s[r + 1] + s[l + 1]) / 2, (s[r + 2] + s[l + 2]) / 2);
  }

  /** Both finger pads press on the geom: positive summed normal contact force on each (upstream `touching_object`). */
  protected touchingObject(objectGeomId: number): boolean {
    const ncon = this.data.ncon;
    if (ncon === 0) return false;
    const contacts = this.data.contact;
    const efcForce: Float64Array = this.data.efc_force;
    let left = 0;
    let right = 0;
    for (let i = 0; i < ncon; i++) {
      const c = contacts.get(i);
      if (!c) continue;
      const g1 = c.geom1;
      const g2 = c.geom2;
      const adr = c.efc_address;
      c.delete();
      if (g1 !== objectGeomId && g2 !== objectGeomId) continue;
      if (g1 === this.leftPadGeom || g2 === this.leftPadGeom) left += efcForce[adr];
      if (g1 === this.rightPadGeom || g2 === this.rightPadGeom) right += efcForce[adr];
    }
    return left > 0 && right > 0;
  }
  protected touchingMainObject(): boolean {
    return this.touchingObject(this.geomId(this.mainObjectGeom));
  }
  /** Upstream's usual `grasp_success`: the gripper open (> 0), `obj` 2 cm above its start, both pads on the main object. */
  protected graspedAndLifted(obj: ArrayLike<number>, tcpOpened: number): boolean {
    // cheap conditions first: the contact scan is the costly part of the conjunction
    return tcpOpened > 0 && obj[2] - 0.02 > this.objInitPos[2] && this.touchingMainObject();
  }

  /**
   * `evaluation` with upstream's info for moving an object to a goal (pick-place, push-wall, shelf-place,
   * soccer, ...): success within 7 cm of the goal, near the object within 3 cm, `graspedAndLifted`.
   */
  protected objectToGoalEvaluation(
    reward: number,
    t: { obj: ArrayLike<number>; tcpOpened: number; tcpToObj: number; objToTarget: number; graspReward: number; inPlaceReward: number },
  ): Evaluation {
    return evaluation(reward, {
      success: t.objToTarget <= 0.07,
      nearObject: t.tcpToObj <= 0.03,
      graspSuccess: this.graspedAndLifted(t.obj, t.tcpOpened),
      graspReward: t.graspReward,
      inPlaceReward: t.inPlaceReward,
      objToTarget: t.objToTarget,
    });
  }

  /** `padCagingReward` (push-back, sweep, sweep-into, soccer) of `obj` with this env's pads and start positions. */
  protected padCaging(obj: ArrayLike<number>, margins: PadCagingMargins): number {
    return padCagingReward(
      {
        obj,
        objInitPos: this.objInitPos,
        tcp: this.tcpCenter(),
        initTcp: this.initTcp,
        leftPad: this.bodyPos('leftpad'),
        rightPad: this.bodyPos('rightpad'),
        initLeftPad: this.initLeftPad,
        initRightPad: this.initRightPad,
      },
      margins,
    );
  }

  /** Upstream `_gripper_caging_reward` (the base version; pick-place-like tasks override it with their own). */
  protected gripperCagingReward(action: ArrayLike<number>, objPos: ArrayLike<number>, o: CagingOptions): number {
    if (o.highDensity && o.mediumDensity) throw new Error('gripperCagingReward: highDensity and mediumDensity are exclusive');
    const desiredEffort = o.desiredGripperEffort ?? 1;
    const leftPad = this.bodyPos('leftpad');
    const rightPad = this.bodyPos('rightpad');
    const padY = [leftPad[1], rightPad[1]];
    const caging = [0, 1].map((i) => {
      const padToObj = Math.abs(padY[i] - objPos[1]);
      const padToObjInit = Math.abs(padY[i] - this.objInitPos[1]);
      return tolerance(padToObj, {
        bounds: [o.objRadius, o.padSuccessThresh],
        margin: Math.abs(padToObjInit - o.padSuccessThresh),
        sigmoid: 'long_tail',
      });
    });
    const cagingY = hamacherProduct(caging[0], caging[1]);

    const tcp = this.tcpCenter();
    const xzMargin = Math.hypot(this.objInitPos[0] - this.initTcp[0], this.objInitPos[2] - this.initTcp[2]) - o.xzThresh;
    const cagingXZ = tolerance(Math.hypot(tcp[0] - objPos[0], tcp[2] - objPos[2]), {
      bounds: [0, o.xzThresh],
      margin: xzMargin,
      sigmoid: 'long_tail',
    });

    const gripperClosed = Math.min(Math.max(0, action[3]), desiredEffort) / desiredEffort;
    const cage = hamacherProduct(cagingY, cagingXZ);
    const gripping = cage > 0.97 ? gripperClosed : 0;
    let result = hamacherProduct(cage, gripping);
    if (o.highDensity) result = (result + cage) / 2;
    if (o.mediumDensity) {
      const tcpToObj = Math.hypot(objPos[0] - tcp[0], objPos[1] - tcp[1], objPos[2] - tcp[2]);
      const tcpToObjInit = Math.hypot(
        this.objInitPos[0] - this.initTcp[0],
        this.objInitPos[1] - this.initTcp[1],
        this.objInitPos[2] - this.initTcp[2],
      );
      const reach = tolerance(tcpToObj, {
        bounds: [0, o.objectReachRadius],
        margin: Math.abs(tcpToObjInit - o.objectReachRadius),
        sigmoid: 'long_tail',
      });
      result = (result + reach) / 2;
    }
    return result;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.name}: environment is closed`);
  }
}
