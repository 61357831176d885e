/**
 * What one DMControl task is: its scene, its timing and, bound to a physics instance, how it
 * starts an episode, what it observes and how it is rewarded (dm_control's `base.Task`).
 */
import type { DmcPhysics } from './physics.ts';

/** The draws a task makes when it starts an episode: our `Rng` or numpy's `RandomState` (`NumpyRandomState`). */
export interface ResetRng {
  /** Uniform in [0, 1). */
  random(): number;
  uniform(low: number, high: number): number;
  /** Standard normal. */
  normal(): number;
}

/** Named observation parts in dm_control's key order; scalars are length-1 arrays. */
export type ObservationParts = Record<string, Float64Array>;

export interface BoundTask {
  /** Sets the initial state after `mj_resetData` (dm_control's `initialize_episode`). */
  initializeEpisode(rng: ResetRng): void;
  observation(): ObservationParts;
  /** Reward of the current state, in [0, 1]. */
  reward(): number;
}

export interface DmcTaskSpec {
  /** `domain-task`, e.g. `cartpole-swingup`. */
  name: string;
  /** Scene file under `dm_control/suite/`. */
  xml: string;
  /** Seconds per agent step; absent means one physics step per agent step. */
  controlTimestep?: number;
  /** Episode length in seconds (dm_control's `time_limit`). */
  timeLimit: number;
  bind(physics: DmcPhysics): BoundTask;
}

/** A length-1 observation part. */
export function scalar(x: number): Float64Array {
  return Float64Array.of(x);
}
