/**
 * Scripted experts: each `policies/<name>.ts` default-exports `defineScriptedPolicy(task, act)`,
 * where `act` maps the 39-d observation to a 4-d action as the upstream policy does.
 */
export interface ScriptedPolicy {
  readonly task: string;
  act(obs: Float64Array): Float64Array;
}

/** The action as upstream's `Action.array` holds it (float32). */
export function defineScriptedPolicy(task: string, act: (obs: Float64Array) => ArrayLike<number>): ScriptedPolicy {
  return {
    task,
    act(obs: Float64Array): Float64Array {
      if (obs.length !== 39) throw new Error(`${task} policy: observations have 39 numbers, got ${obs.length}`);
      const a = act(obs);
      return Float64Array.from(a, (v) => Math.fround(v));
    },
  };
}

/** Upstream `move`: the proportional response `p · (to − from)` (the env clips it to [-1, 1]). */
export function move(from: ArrayLike<number>, to: ArrayLike<number>, p: number): [number, number, number] {
  return [p * (to[0] - from[0]), p * (to[1] - from[1]), p * (to[2] - from[2])];
}

/** Observation slices the policies parse (views into `obs`, do not write). */
export const handPos = (obs: Float64Array): Float64Array => obs.subarray(0, 3);
export const gripperOpening = (obs: Float64Array): number => obs[3];
/** Position of object 1 (obs[4:7]); object 2, if any, is at obs[11:14]. */
export const objPos = (obs: Float64Array): Float64Array => obs.subarray(4, 7);
export const goalPos = (obs: Float64Array): Float64Array => obs.subarray(36, 39);

/** Vector helpers for policy code. */
export const add = (a: ArrayLike<number>, b: ArrayLike<number>): [number, number, number] => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
/** Distance in the x-y plane. */
export const distXY = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.hypot(a[0] - b[0], a[1] - b[1]);
export const dist3 = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
