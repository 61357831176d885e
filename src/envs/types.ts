/** The environment interface every l2m environment implements (Meta-World, DMControl). */

/** A box-shaped space: per-dimension bounds (may be ±Infinity). */
export interface BoxSpace {
  readonly shape: readonly number[];
  readonly low: Float64Array;
  readonly high: Float64Array;
}

export interface StepInfo {
  /** Meta-World: task solved at this step (0/1). DMControl: absent. */
  success?: number;
  /** Reward terms of the task (e.g. `near_object`, `grasp_success`), numbers only. */
  [term: string]: number | undefined;
}

export interface StepResult {
  obs: Float64Array;
  reward: number;
  /** The MDP ended (never true for Meta-World and DMControl, which only truncate). */
  terminated: boolean;
  /** The time limit was reached. */
  truncated: boolean;
  info: StepInfo;
}

export type Domain = 'metaworld' | 'dmc';

export interface Env {
  readonly name: string;
  readonly domain: Domain;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  /** Steps per episode before `truncated` (Meta-World 200, DMControl 1000 by default). */
  readonly maxEpisodeSteps: number;
  /** Steps taken since the last reset. */
  readonly elapsedSteps: number;
  /** Starts a new episode. With a seed, the generator is re-seeded so the episode reproduces bit for bit. */
  reset(seed?: number): Float64Array;
  step(action: ArrayLike<number>): StepResult;
  /** Frees the MuJoCo model and data (they are not garbage-collected). */
  close(): void;
}

/** Anything that maps an observation to an action (scripted experts, random or noisy policies, agents). */
export interface Policy {
  act(obs: Float64Array): Float64Array;
}

export function boxSpace(low: ArrayLike<number>, high: ArrayLike<number>): BoxSpace {
  if (low.length !== high.length) throw new Error(`boxSpace: low has ${low.length} dims, high ${high.length}`);
  return { shape: [low.length], low: Float64Array.from(low), high: Float64Array.from(high) };
}
