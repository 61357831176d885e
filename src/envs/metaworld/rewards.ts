/**
 * Reward shaping helpers shared by the Meta-World v2 rewards (the dm_control `rewards.tolerance`
 * family as Meta-World's `reward_utils` uses it). Scalars only: every caller passes one number.
 */

export type Sigmoid = 'gaussian' | 'hyperbolic' | 'long_tail' | 'reciprocal' | 'cosine' | 'linear' | 'quadratic' | 'tanh_squared';

/** Maps x ≥ 0 to (0, 1]: 1 at x = 0 and `valueAt1` at x = 1. */
export function sigmoid(x: number, valueAt1: number, kind: Sigmoid): number {
  if (kind === 'cosine' || kind === 'linear' || kind === 'quadratic') {
    if (!(valueAt1 >= 0 && valueAt1 < 1)) throw new Error(`sigmoid '${kind}': valueAt1 must be in [0, 1), got ${valueAt1}`);
  } else if (!(valueAt1 > 0 && valueAt1 < 1)) {
    throw new Error(`sigmoid '${kind}': valueAt1 must be in (0, 1), got ${valueAt1}`);
  }
  switch (kind) {
    case 'gaussian': {
      const scale = Math.sqrt(-2 * Math.log(valueAt1));
      return Math.exp(-0.5 * (x * scale) ** 2);
    }
    case 'hyperbolic':
      return 1 / Math.cosh(x * Math.acosh(1 / valueAt1));
    case 'long_tail': {
      const scale = Math.sqrt(1 / valueAt1 - 1);
      return 1 / ((x * scale) ** 2 + 1);
    }
    case 'reciprocal':
      return 1 / (Math.abs(x) * (1 / valueAt1 - 1) + 1);
    case 'cosine': {
      const s = x * (Math.acos(2 * valueAt1 - 1) / Math.PI);
      return Math.abs(s) < 1 ? (1 + Math.cos(Math.PI * s)) / 2 : 0;
    }
    case 'linear': {
      const s = x * (1 - valueAt1);
      return Math.abs(s) < 1 ? 1 - s : 0;
    }
    case 'quadratic': {
      const s = x * Math.sqrt(1 - valueAt1);
      return Math.abs(s) < 1 ? 1 - s * s : 0;
    }
    case 'tanh_squared':
      return 1 - Math.tanh(x * Math.atanh(Math.sqrt(1 - valueAt1))) ** 2;
    default:
      throw new Error(`unknown sigmoid '${kind as string}'`);
  }
}

export interface ToleranceOptions {
  /** Inclusive [lower, upper] interval where the reward is 1 (default [0, 0]). */
  bounds?: readonly [number, number];
  /** Distance outside the bounds at which the reward has fallen to `valueAtMargin` (0: a step function). */
  margin?: number;
  sigmoid?: Sigmoid;
  valueAtMargin?: number;
}

/** 1 inside `bounds`, falling off with the distance to the nearest bound outside (dm_control's `tolerance`). */
export function tolerance(x: number, opts: ToleranceOptions = {}): number {
  const [lower, upper] = opts.bounds ?? [0, 0];
  const margin = opts.margin ?? 0;
  if (lower > upper) throw new Error(`tolerance: lower bound ${lower} > upper bound ${upper}`);
  if (margin < 0) throw new Error(`tolerance: margin must be non-negative, got ${margin}`);
  const inBounds = lower <= x && x <= upper;
  if (inBounds) return 1;
  if (margin === 0) return 0;
  const d = (x < lower ? lower - x : x - upper) / margin;
  return sigmoid(d, opts.valueAtMargin ?? 0.1, opts.sigmoid ?? 'gaussian');
}

/** 0 inside `bounds`, rising towards 1 outside (reward_utils.inverse_tolerance; value 0 at the margin). */
export function inverseTolerance(x: number, opts: Omit<ToleranceOptions, 'valueAtMargin'> = {}): number {
  return 1 - tolerance(x, { ...opts, sigmoid: opts.sigmoid ?? 'reciprocal', valueAtMargin: 0 });
}

/** Hamacher t-norm: a·b / (a + b − a·b), 0 when both are 0. Both inputs must lie in [0, 1]. */
export function hamacherProduct(a: number, b: number): number {
  if (!(a >= 0 && a <= 1 && b >= 0 && b <= 1)) throw new Error(`hamacherProduct: a (${a}) and b (${b}) must lie in [0, 1]`);
  const denominator = a + b - a * b;
  return denominator > 0 ? (a * b) / denominator : 0;
}

/**
 * Inside the box spanned by corners `zero` and `one`: the product of the per-axis fractions of the
 * way from `zero` to `one`; outside it: 1 (reward_utils.rect_prism_tolerance, quirk included).
 */
export function rectPrismTolerance(curr: ArrayLike<number>, zero: ArrayLike<number>, one: ArrayLike<number>): number {
  const inRange = (a: number, b: number, c: number): boolean => (c >= b ? b <= a && a <= c : c <= a && a <= b);
  const inPrism = inRange(curr[0], zero[0], one[0]) && inRange(curr[1], zero[1], one[1]) && inRange(curr[2], zero[2], one[2]);
  if (!inPrism) return 1;
  return (
    ((curr[0] - zero[0]) / (one[0] - zero[0])) *
    ((curr[1] - zero[1]) / (one[1] - zero[1])) *
    ((curr[2] - zero[2]) / (one[2] - zero[2]))
  );
}

/** Euclidean norm of a − b over the first `n` components (3 by default). */
export function dist(a: ArrayLike<number>, b: ArrayLike<number>, n = 3): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Euclidean norm of a vector. */
export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}
