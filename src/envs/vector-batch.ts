/**
 * A batch of environments stepped in the current thread, writing into flat Float64Array blocks:
 * the engine behind `VectorEnv`, both in-thread and inside each worker.
 */
import { makeEnv } from './registry.ts';
import type { Env } from './types.ts';

export interface BatchSpec {
  /** One task name per environment. */
  tasks: string[];
  /** Environment i is first reset with seed `seeds[i]`; later automatic resets continue its own stream. */
  seeds: number[];
  maxEpisodeSteps?: number;
  obsLayout?: 'l2m204' | 'flat';
}

/** Per-step results for `n` environments; observation rows are `obsDim` wide (zero-padded). */
export interface BatchStep {
  obs: Float64Array;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** `info.success` (NaN where the task reports none). */
  success: Float64Array;
  /** The last observation of each episode that just ended (rows of other envs are zero). */
  finalObs: Float64Array;
}

/** A zeroed BatchStep for `n` environments with `obsDim`-wide observation rows. */
export function emptyBatchStep(n: number, obsDim: number): BatchStep {
  return {
    obs: new Float64Array(n * obsDim),
    rewards: new Float64Array(n),
    terminated: new Uint8Array(n),
    truncated: new Uint8Array(n),
    success: new Float64Array(n),
    finalObs: new Float64Array(n * obsDim),
  };
}

export interface BatchShape {
  obsDims: number[];
  actDims: number[];
  actLow: number[][];
  actHigh: number[][];
}

export class EnvBatch {
  private constructor(
    readonly envs: Env[],
    readonly obsDim: number,
    readonly actDim: number,
    private readonly seeds: number[],
  ) {}

  static async create(spec: BatchSpec): Promise<EnvBatch> {
    if (spec.tasks.length !== spec.seeds.length) throw new Error(`EnvBatch: ${spec.tasks.length} tasks but ${spec.seeds.length} seeds`);
    const n = spec.tasks.length;
    const envs: (Env | undefined)[] = new Array<Env | undefined>(n);
    // The first env of each task is made first, so that every scene compiles before any env of the
    // batch allocates its MjData: the compiler's freed scratch memory (about 60 MB, kept by the wasm
    // memory) is then reused by the next scene's compilation instead of lying under the envs' data,
    // which saves about 20 MB of wasm memory per thread for 4 scenes. Each env depends only on its task
    // and seed, not on the order the envs are made in.
    const seen = new Set<string>();
    const firsts: number[] = [];
    const rest: number[] = [];
    for (let i = 0; i < n; i++) {
      if (seen.has(spec.tasks[i])) rest.push(i);
      else {
        seen.add(spec.tasks[i]);
        firsts.push(i);
      }
    }
    try {
      for (const i of [...firsts, ...rest]) envs[i] = await makeEnv(spec.tasks[i], { maxEpisodeSteps: spec.maxEpisodeSteps, seed: spec.seeds[i], obsLayout: spec.obsLayout });
    } catch (err) {
      for (const e of envs) e?.close();
      throw err;
    }
    const made = envs as Env[];
    const obsDim = Math.max(0, ...made.map((e) => e.observationSpace.shape[0]));
    const actDim = Math.max(0, ...made.map((e) => e.actionSpace.shape[0]));
    return new EnvBatch(made, obsDim, actDim, [...spec.seeds]);
  }

  shape(): BatchShape {
    return {
      obsDims: this.envs.map((e) => e.observationSpace.shape[0]),
      actDims: this.envs.map((e) => e.actionSpace.shape[0]),
      actLow: this.envs.map((e) => [...e.actionSpace.low]),
      actHigh: this.envs.map((e) => [...e.actionSpace.high]),
    };
  }

  /** Resets every env with `seeds` (one per env), or else with the seeds it was created with. */
  reset(seeds?: number[]): Float64Array {
    const n = this.envs.length;
    if (seeds && seeds.length !== n) throw new Error(`VectorEnv.reset: ${n} envs but ${seeds.length} seeds`);
    const obs = new Float64Array(n * this.obsDim);
    for (let i = 0; i < n; i++) obs.set(this.envs[i].reset(seeds ? seeds[i] : this.seeds[i]), i * this.obsDim);
    return obs;
  }

  /**
   * Steps every env with its row of `actions` (n × actDim), or only the envs `rows` (ascending indices,
   * actions rows.length × actDim, results in that order); finished episodes reset automatically.
   */
  step(actions: Float64Array, rows?: readonly number[]): BatchStep {
    const n = rows ? rows.length : this.envs.length;
    if (actions.length !== n * this.actDim) throw new Error(`VectorEnv.step: expected ${n}×${this.actDim} = ${n * this.actDim} action numbers, got ${actions.length}`);
    if (rows) assertRows(rows, this.envs.length);
    const out = emptyBatchStep(n, this.obsDim);
    for (let i = 0; i < n; i++) {
      const env = this.envs[rows ? rows[i]! : i]!;
      const a = actions.subarray(i * this.actDim, i * this.actDim + env.actionSpace.shape[0]);
      const r = env.step(a);
      out.rewards[i] = r.reward;
      out.terminated[i] = r.terminated ? 1 : 0;
      out.truncated[i] = r.truncated ? 1 : 0;
      out.success[i] = r.info.success ?? NaN;
      if (r.terminated || r.truncated) {
        out.finalObs.set(r.obs, i * this.obsDim);
        out.obs.set(env.reset(), i * this.obsDim);
      } else {
        out.obs.set(r.obs, i * this.obsDim);
      }
    }
    return out;
  }

  close(): void {
    for (const e of this.envs) e.close();
  }
}

/** `rows` must be strictly ascending env indices in [0, n). */
export function assertRows(rows: readonly number[], n: number): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= n || (i > 0 && r <= rows[i - 1]!)) throw new Error(`VectorEnv.stepRows: rows must be ascending env indices in [0, ${n}), got ${rows.slice(0, 8).join(', ')}${rows.length > 8 ? ', ...' : ''}`);
  }
}
