/**
 * One dm_control suite scene: MuJoCo model and data, stepped the way `dm_control.mujoco.Physics`
 * does it, plus cached views of the arrays the tasks read.
 *
 * Stepping is dm_control's default ("legacy") scheme, which keeps position- and velocity-dependent
 * fields in sync with qpos/qvel after every control step: Euler models run `mj_step2`, then
 * `mj_step` n-1 times, then `mj_step1`; RK4 models run `mj_step` n times, then `mj_step1`.
 *
 * The physics instances of a scene in a thread share its compiled model (`ModelLease`) and each have
 * their own data. `views`, `reset`, `afterReset` and `step` make the model this instance's first;
 * `commit()` records what the task wrote into it (target sites and geoms, damping, colours) as this
 * instance's own, and `DmcEnv` calls it after construction and every reset.
 */
import { acquireModel, getMujoco, makeData, nameToId, type MjData, type MjModel, type ModelLease, type Mujoco } from '../mujoco.ts';

/** Live views into MuJoCo's arrays. They are re-fetched when the wasm heap grows (old views detach). */
export interface PhysicsViews {
  qpos: Float64Array;
  qvel: Float64Array;
  ctrl: Float64Array;
  xpos: Float64Array;
  xmat: Float64Array;
  xipos: Float64Array;
  xanchor: Float64Array;
  geom_xpos: Float64Array;
  geom_xmat: Float64Array;
  site_xpos: Float64Array;
  sensordata: Float64Array;
  geom_pos: Float64Array;
  geom_size: Float64Array;
  geom_rgba: Float32Array;
  site_pos: Float64Array;
  site_size: Float64Array;
  site_rgba: Float32Array;
  dof_damping: Float64Array;
}

/** dm_control's `compute_n_steps`: control timestep / physics timestep, which must be an integer. */
export function substepsPerControlStep(controlTimestep: number | undefined, physicsTimestep: number): number {
  if (controlTimestep === undefined) return 1;
  if (controlTimestep < physicsTimestep) {
    throw new Error(`control timestep ${controlTimestep} is smaller than the physics timestep ${physicsTimestep}`);
  }
  const ratio = controlTimestep / physicsTimestep;
  if (Math.abs(ratio - Math.round(ratio)) > 1e-8) {
    throw new Error(`control timestep ${controlTimestep} is not an integer multiple of the physics timestep ${physicsTimestep}`);
  }
  return Math.round(ratio);
}

export class DmcPhysics {
  readonly nSubSteps: number;
  readonly timestep: number;
  private readonly opt: { timestep: number; disableflags: number; integrator: number; delete(): void };
  private readonly actuationBit: number;
  private readonly rk4: boolean;
  private v: PhysicsViews | undefined;
  private closed = false;

  /** The scene's compiled model, shared with the other instances of the scene in this thread. */
  readonly model: MjModel;

  private constructor(
    readonly mj: Mujoco,
    private readonly lease: ModelLease,
    readonly data: MjData,
    readonly file: string,
    controlTimestep: number | undefined,
  ) {
    const model = lease.model;
    this.model = model;
    this.opt = model.opt;
    this.timestep = this.opt.timestep;
    this.nSubSteps = substepsPerControlStep(controlTimestep, this.timestep);
    this.actuationBit = mj.mjtDisableBit.mjDSBL_ACTUATION.value;
    this.rk4 = this.opt.integrator === mj.mjtIntegrator.mjINT_RK4.value;
  }

  /**
   * `dm_control/suite/<file>` from the asset directory (compiled once per thread and shared, see
   * `acquireModel`; `privateModel`: compiled for this instance alone), with its own data.
   */
  static async load(file: string, controlTimestep?: number, opts: { privateModel?: boolean } = {}): Promise<DmcPhysics> {
    const mj = await getMujoco();
    const lease = await acquireModel(`dm_control/suite/${file}`, opts);
    let data: MjData | undefined;
    try {
      data = makeData(mj, lease);
      return new DmcPhysics(mj, lease, data, file, controlTimestep);
    } catch (err) {
      data?.delete();
      lease.release();
      throw err;
    }
  }

  /** Makes the shared model this instance's (the compiled scene plus its committed edits). */
  activate(): void {
    if (this.closed) throw new Error(`DmcPhysics(${this.file}) used after close()`);
    this.lease.activate();
  }

  /** Records the model's per-env arrays as written now as this instance's own (see `PER_ENV_MODEL_FIELDS`). */
  commit(): void {
    this.activate();
    this.lease.commit();
  }

  views(): PhysicsViews {
    this.activate();
    if (this.v === undefined || this.v.qpos.buffer.byteLength === 0) {
      const m = this.model;
      const d = this.data;
      this.v = {
        qpos: d.qpos, qvel: d.qvel, ctrl: d.ctrl, xpos: d.xpos, xmat: d.xmat, xipos: d.xipos, xanchor: d.xanchor,
        geom_xpos: d.geom_xpos, geom_xmat: d.geom_xmat, site_xpos: d.site_xpos, sensordata: d.sensordata,
        geom_pos: m.geom_pos, geom_size: m.geom_size, geom_rgba: m.geom_rgba, site_pos: m.site_pos, site_size: m.site_size,
        site_rgba: m.site_rgba, dof_damping: m.dof_damping,
      };
    }
    return this.v;
  }

  id(type: 'body' | 'joint' | 'geom' | 'site' | 'sensor' | 'actuator', name: string): number {
    try {
      return nameToId(this.mj, this.model, type, name);
    } catch (err) {
      throw new Error(`${this.file}: ${(err as Error).message}`);
    }
  }

  /** Index into qpos of the named joint. */
  qposAdr(joint: string): number {
    return this.model.jnt_qposadr[this.id('joint', joint)];
  }

  /** Index into qvel (and dof arrays) of the named joint. */
  dofAdr(joint: string): number {
    return this.model.jnt_dofadr[this.id('joint', joint)];
  }

  /** Index into sensordata of the named sensor. */
  sensorAdr(sensor: string): number {
    return this.model.sensor_adr[this.id('sensor', sensor)];
  }

  get nq(): number {
    return this.model.nq;
  }

  get nv(): number {
    return this.model.nv;
  }

  get nu(): number {
    return this.model.nu;
  }

  /** Number of active contacts after the last forward pass. */
  get ncon(): number {
    return this.data.ncon;
  }

  set time(t: number) {
    this.data.time = t;
  }

  /** `mj_resetData`, then a forward pass with actuation disabled (dm_control's `Physics.reset`). */
  reset(): void {
    this.activate();
    this.mj.mj_resetData(this.model, this.data);
    this.forwardWithoutActuation();
  }

  /** A forward pass with actuation disabled (dm_control's `Physics.after_reset`). */
  afterReset(): void {
    this.activate();
    this.forwardWithoutActuation();
  }

  /** Advances `nstep` physics steps with dm_control's legacy stepping (see the file comment). */
  step(nstep = this.nSubSteps): void {
    this.activate();
    const { mj, model, data } = this;
    if (this.rk4) {
      for (let i = 0; i < nstep; i++) mj.mj_step(model, data);
    } else {
      mj.mj_step2(model, data);
      for (let i = 1; i < nstep; i++) mj.mj_step(model, data);
    }
    mj.mj_step1(model, data);
  }

  /** The raw `mj_step` (for benchmarks). */
  rawStep(): void {
    this.activate();
    this.mj.mj_step(this.model, this.data);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.v = undefined;
    this.opt.delete();
    this.data.delete();
    this.lease.release();
  }

  private forwardWithoutActuation(): void {
    const saved = this.opt.disableflags;
    this.opt.disableflags = saved | this.actuationBit;
    try {
      this.mj.mj_forward(this.model, this.data);
    } finally {
      this.opt.disableflags = saved;
    }
  }
}
