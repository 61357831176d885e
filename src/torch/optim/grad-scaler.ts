/**
 * Loss scaling for float16 training, as `torch.cuda.amp.GradScaler`: the loss is multiplied by a scale
 * before backward so small gradients survive float16; `unscale_` divides the gradients again and looks
 * for inf/NaN; `step` skips the optimiser's step when any was found; `update` halves the scale after
 * such a step and doubles it after `growthInterval` clean steps in a row. The scale is a float32 value
 * and each change is rounded to float32, as PyTorch keeps it in a float32 tensor.
 */
import type { Tensor } from '../tensor.ts';
import { noGrad } from '../autograd.ts';
import { tidy } from '../scope.ts';
import type { Optimizer } from './optimizer.ts';

export interface GradScalerOptions {
  /** PyTorch's defaults: 2^16, 2, 0.5, 2000. */
  initScale?: number;
  growthFactor?: number;
  backoffFactor?: number;
  growthInterval?: number;
}

/** What a checkpoint keeps of a scaler, so that a resumed run scales as an uninterrupted one. */
export interface GradScalerState {
  scale: number;
  growthTracker: number;
}

export class GradScaler {
  private scaleValue: number;
  private growthTracker = 0;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  /** Per step: null until unscale_ ran; then whether an inf/NaN gradient was found. */
  private foundInf: boolean | null = null;

  constructor(opts: GradScalerOptions = {}) {
    this.scaleValue = Math.fround(opts.initScale ?? 65536);
    this.growthFactor = opts.growthFactor ?? 2;
    this.backoffFactor = opts.backoffFactor ?? 0.5;
    this.growthInterval = opts.growthInterval ?? 2000;
    if (!(this.scaleValue > 0) || !Number.isFinite(this.scaleValue)) throw new Error(`GradScaler: initScale must be a positive finite number, got ${opts.initScale}`);
    if (!(this.growthFactor > 1)) throw new Error(`GradScaler: growthFactor must be > 1, got ${this.growthFactor}`);
    if (!(this.backoffFactor > 0 && this.backoffFactor < 1)) throw new Error(`GradScaler: backoffFactor must be in (0, 1), got ${this.backoffFactor}`);
    if (!Number.isInteger(this.growthInterval) || this.growthInterval < 1) throw new Error(`GradScaler: growthInterval must be a positive integer, got ${this.growthInterval}`);
  }

  get scaleFactor(): number {
    return this.scaleValue;
  }

  /** `loss * scale`, for backward. */
  scale(loss: Tensor): Tensor {
    return loss.mul(this.scaleValue);
  }

  /** Divides every gradient of `optimizer` by the scale (once per step) and records whether any is inf or NaN. */
  unscale_(optimizer: Optimizer<{ lr: number }>): void {
    if (this.foundInf !== null) throw new Error('GradScaler: unscale_() was already called since the last update()');
    // PyTorch: the reciprocal in float64, then rounded to float32.
    const inv = Math.fround(1 / this.scaleValue);
    let found = false;
    tidy(() =>
      noGrad(() => {
        for (const group of optimizer.paramGroups) {
          for (const p of group.params) {
            const g = p.grad;
            if (g === null) continue;
            if (!found && !g.allFinite()) found = true;
            g.mul_(inv);
          }
        }
      }),
    );
    this.foundInf = found;
  }

  /** The optimiser's step, unless unscale_ found inf/NaN gradients; returns whether it stepped. */
  step(optimizer: Optimizer<{ lr: number }>): boolean {
    if (this.foundInf === null) this.unscale_(optimizer);
    if (this.foundInf) return false;
    optimizer.step();
    return true;
  }

  /** After each step: back off after inf/NaN, grow after `growthInterval` clean steps. */
  update(): void {
    if (this.foundInf === null) throw new Error('GradScaler: update() before unscale_() or step()');
    if (this.foundInf) {
      this.scaleValue = Math.fround(this.scaleValue * this.backoffFactor);
      this.growthTracker = 0;
    } else if (this.growthTracker + 1 === this.growthInterval) {
      const grown = Math.fround(this.scaleValue * this.growthFactor);
      if (Number.isFinite(grown)) this.scaleValue = grown;
      this.growthTracker = 0;
    } else {
      this.growthTracker += 1;
    }
    this.foundInf = null;
  }

  /** Whether the last unscale_ found inf/NaN (null before it ran). */
  get skipped(): boolean | null {
    return this.foundInf;
  }

  stateDict(): GradScalerState {
    return { scale: this.scaleValue, growthTracker: this.growthTracker };
  }

  loadStateDict(s: GradScalerState): void {
    if (typeof s?.scale !== 'number' || !(s.scale > 0) || !Number.isInteger(s.growthTracker) || s.growthTracker < 0) {
      throw new Error(`GradScaler: malformed state ${JSON.stringify(s)}`);
    }
    this.scaleValue = Math.fround(s.scale);
    this.growthTracker = s.growthTracker;
    this.foundInf = null;
  }
}
