/**
 * A DMControl task as an l2m `Env` (dm_control's `control.Environment` under the original's
 * dmc2gym wrapper: 1000-step episodes, no action repeat).
 *
 * `obs` is either the original L2M's 204-d vector (`obsLayout: 'l2m204'`, the default: what the
 * multi-domain model reads) or dm_control's flat concatenation of the named parts
 * (`obsLayout: 'flat'`, e.g. for SAC). The named parts themselves are always available through
 * `observationParts()`. Values are float64 (the original stored the 204-d vector as float32).
 *
 * Actions are clipped to the actuators' control range (all [-1, 1]); in range they reach `ctrl`
 * unchanged, as in dm_control (dmc2gym additionally rounded them to float32).
 */
import type { EnvOptions } from '../registry.ts';
import { Rng } from '../rng.ts';
import { boxSpace, type BoxSpace, type Env, type StepResult } from '../types.ts';
import { NumpyRandomState } from './numpy-random.ts';
import { flattenParts, L2M_OBS_DIM, toL2m204 } from './observation.ts';
import { DmcPhysics } from './physics.ts';
import type { BoundTask, DmcTaskSpec, ObservationParts } from './task.ts';

/** What `reset`/`step` return as `obs`: the 204-d L2M vector (default) or dm_control's flat vector. */
export type DmcObsLayout = NonNullable<EnvOptions['obsLayout']>;

export interface DmcEnvOptions extends EnvOptions {
  /**
   * Draw initial states from numpy's RandomState(seed) instead of our `Rng`, so that a seed gives
   * exactly dm_control's sequence of initial states for `task_kwargs={'random': seed}` (the original
   * L2M used seed 1). Default false.
   */
  numpyResets?: boolean;
}

/** Seed of the reset generator when none is given: dmc2gym's default, which the original used for every env. */
export const DEFAULT_DMC_SEED = 1;

export class DmcEnv implements Env {
  readonly domain = 'dmc' as const;
  readonly name: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly maxEpisodeSteps: number;
  readonly obsLayout: DmcObsLayout;
  /** Key and length of each named observation part, in dm_control's order. */
  readonly observationLayout: ReadonlyArray<{ key: string; size: number }>;
  /** Seconds of simulated time per `step` (dm_control's `control_timestep()`). */
  readonly controlTimestep: number;
  private steps = 0;
  private started = false;
  private parts: ObservationParts = {};
  private readonly rng: Rng | NumpyRandomState;

  private constructor(
    readonly spec: DmcTaskSpec,
    readonly physics: DmcPhysics,
    private readonly task: BoundTask,
    opts: DmcEnvOptions,
  ) {
    this.name = spec.name;
    this.obsLayout = opts.obsLayout ?? 'l2m204';
    if (this.obsLayout !== 'l2m204' && this.obsLayout !== 'flat') {
      throw new Error(`${spec.name}: unknown obsLayout '${String(this.obsLayout)}' (use 'l2m204' or 'flat')`);
    }
    const seed = opts.seed ?? DEFAULT_DMC_SEED;
    this.rng = opts.numpyResets ? new NumpyRandomState(seed) : new Rng(seed);
    this.controlTimestep = physics.timestep * physics.nSubSteps;
    this.maxEpisodeSteps = opts.maxEpisodeSteps ?? Math.round(spec.timeLimit / this.controlTimestep);
    if (!Number.isInteger(this.maxEpisodeSteps) || this.maxEpisodeSteps < 1) {
      throw new Error(`${spec.name}: maxEpisodeSteps must be a positive integer, got ${opts.maxEpisodeSteps}`);
    }
    const range: Float64Array = physics.model.actuator_ctrlrange;
    const limited: Uint8Array = physics.model.actuator_ctrllimited;
    const nu = physics.nu;
    const low = new Float64Array(nu);
    const high = new Float64Array(nu);
    for (let i = 0; i < nu; i++) {
      if (!limited[i]) throw new Error(`${spec.name}: actuator ${i} has no control range`);
      low[i] = range[2 * i];
      high[i] = range[2 * i + 1];
    }
    this.actionSpace = boxSpace(low, high);
    // The layout of the parts is fixed by the task; read it from the initial state.
    physics.reset();
    this.observationLayout = Object.entries(task.observation()).map(([key, v]) => ({ key, size: v.length }));
    const dim = this.obsLayout === 'flat' ? this.observationLayout.reduce((n, p) => n + p.size, 0) : L2M_OBS_DIM;
    this.observationSpace = boxSpace(new Float64Array(dim).fill(-Infinity), new Float64Array(dim).fill(Infinity));
    physics.commit();
  }

  static async create(spec: DmcTaskSpec, opts: DmcEnvOptions = {}): Promise<DmcEnv> {
    const physics = await DmcPhysics.load(spec.xml, spec.controlTimestep, { privateModel: opts.privateModel });
    try {
      return new DmcEnv(spec, physics, spec.bind(physics), opts);
    } catch (err) {
      physics.close();
      throw err;
    }
  }

  get elapsedSteps(): number {
    return this.steps;
  }

  reset(seed?: number): Float64Array {
    if (seed !== undefined) this.rng.seed(seed);
    this.physics.reset();
    this.task.initializeEpisode(this.rng);
    this.physics.afterReset();
    this.physics.commit(); // what the task wrote into the shared model (targets, damping) is this env's
    this.steps = 0;
    this.started = true;
    return this.observe();
  }

  step(action: ArrayLike<number>): StepResult {
    if (!this.started) throw new Error(`${this.name}: step() before reset()`);
    if (this.steps >= this.maxEpisodeSteps) throw new Error(`${this.name}: step() after the episode ended (${this.maxEpisodeSteps} steps); call reset()`);
    const { low, high } = this.actionSpace;
    if (action.length !== low.length) throw new Error(`${this.name}: action has ${action.length} dims, expected ${low.length}`);
    const ctrl = this.physics.views().ctrl;
    for (let i = 0; i < low.length; i++) {
      const a = action[i];
      if (!Number.isFinite(a)) throw new Error(`${this.name}: action[${i}] is ${a}`);
      ctrl[i] = a < low[i] ? low[i] : a > high[i] ? high[i] : a;
    }
    this.physics.step();
    const reward = this.task.reward();
    const obs = this.observe();
    this.steps++;
    return { obs, reward, terminated: false, truncated: this.steps >= this.maxEpisodeSteps, info: {} };
  }

  /** The named observation parts of the current state, in dm_control's key order. */
  observationParts(): ObservationParts {
    const copy: ObservationParts = {};
    for (const [key, v] of Object.entries(this.parts)) copy[key] = v.slice();
    return copy;
  }

  close(): void {
    this.physics.close();
  }

  private observe(): Float64Array {
    this.parts = this.task.observation();
    return this.obsLayout === 'flat' ? flattenParts(this.parts) : toL2m204(this.parts);
  }
}
