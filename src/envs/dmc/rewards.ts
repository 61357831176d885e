/**
 * dm_control's soft indicator `tolerance` (dm_control/utils/rewards.py): 1 inside `bounds`,
 * falling off with the distance to the nearest bound along a sigmoid that equals `valueAtMargin`
 * at distance `margin`. Scalar version; the tasks loop over vector inputs.
 */

export type Sigmoid = 'gaussian' | 'hyperbolic' | 'long_tail' | 'reciprocal' | 'cosine' | 'linear' | 'quadratic' | 'tanh_squared';

export interface ToleranceOptions {
  /** Inclusive [lower, upper]; either may be ±Infinity. Default [0, 0]. */
  bounds?: readonly [number, number];
  /** Distance over which the value falls to `valueAtMargin`; 0 gives a hard indicator. Default 0. */
  margin?: number;
  sigmoid?: Sigmoid;
  /** Value at distance `margin` from the bounds. Default 0.1. */
  valueAtMargin?: number;
}

const DEFAULT_VALUE_AT_MARGIN = 0.1;

const SIGMOIDS: readonly Sigmoid[] = ['gaussian', 'hyperbolic', 'long_tail', 'reciprocal', 'cosine', 'linear', 'quadratic', 'tanh_squared'];

/** Throws unless `kind` is a known sigmoid and `valueAt1` is a valid value for it (as dm_control does). */
function checkSigmoid(valueAt1: number, kind: Sigmoid): void {
  if (!SIGMOIDS.includes(kind)) throw new Error(`tolerance: unknown sigmoid '${String(kind)}' (${SIGMOIDS.join(', ')})`);
  if (kind === 'cosine' || kind === 'linear' || kind === 'quadratic') {
    if (!(valueAt1 >= 0 && valueAt1 < 1)) throw new Error(`tolerance: value_at_margin must be in [0, 1) for the ${kind} sigmoid, got ${valueAt1}`);
  } else if (!(valueAt1 > 0 && valueAt1 < 1)) {
    throw new Error(`tolerance: value_at_margin must be strictly between 0 and 1 for the ${kind} sigmoid, got ${valueAt1}`);
  }
}

/** A sigmoid of `x >= 0` that is 1 at 0 and `valueAt1` at 1 (dm_control's `_sigmoids`). */
export function sigmoid(x: number, valueAt1: number, kind: Sigmoid): number {
  checkSigmoid(valueAt1, kind);
  switch (kind) {
    case 'gaussian': {
      const scale = Math.sqrt(-2 * Math.log(valueAt1));
      return Math.exp(-0.5 * (x * scale) ** 2);
    }
    case 'hyperbolic': {
      const scale = Math.acosh(1 / valueAt1);
      return 1 / Math.cosh(x * scale);
    }
    case 'long_tail': {
      const scale = Math.sqrt(1 / valueAt1 - 1);
      return 1 / ((x * scale) ** 2 + 1);
    }
    case 'reciprocal': {
      const scale = 1 / valueAt1 - 1;
      return 1 / (Math.abs(x) * scale + 1);
    }
    case 'cosine': {
      const scaled = x * (Math.acos(2 * valueAt1 - 1) / Math.PI);
      return Math.abs(scaled) < 1 ? (1 + Math.cos(Math.PI * scaled)) / 2 : 0;
    }
    case 'linear': {
      const scaled = x * (1 - valueAt1);
      return Math.abs(scaled) < 1 ? 1 - scaled : 0;
    }
    case 'quadratic': {
      const scaled = x * Math.sqrt(1 - valueAt1);
      return Math.abs(scaled) < 1 ? 1 - scaled * scaled : 0;
    }
    case 'tanh_squared': {
      const scale = Math.atanh(Math.sqrt(1 - valueAt1));
      return 1 - Math.tanh(x * scale) ** 2;
    }
  }
}

/** 1 when `lower <= x <= upper`, otherwise a sigmoid of the distance to the nearest bound over `margin`. */
export function tolerance(x: number, opts: ToleranceOptions = {}): number {
  const [lower, upper] = opts.bounds ?? [0, 0];
  const margin = opts.margin ?? 0;
  if (lower > upper) throw new Error(`tolerance: lower bound ${lower} is above upper bound ${upper}`);
  if (margin < 0) throw new Error(`tolerance: margin must be non-negative, got ${margin}`);
  const inBounds = lower <= x && x <= upper;
  if (margin === 0) return inBounds ? 1 : 0;
  const valueAtMargin = opts.valueAtMargin ?? DEFAULT_VALUE_AT_MARGIN;
  const kind = opts.sigmoid ?? 'gaussian';
  if (inBounds) {
    checkSigmoid(valueAtMargin, kind);
    return 1;
  }
  const d = (x < lower ? lower - x : x - upper) / margin;
  return sigmoid(d, valueAtMargin, kind);
}
