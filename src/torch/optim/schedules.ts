/**
 * Learning-rate schedules. LambdaLR follows PyTorch: lr = baseLr * factor(epoch), applied once at
 * construction (epoch 0) and after every step(). The factor functions below are the usual ones.
 */
import type { Optimizer } from './optimizer.ts';

export class LambdaLR {
  readonly baseLrs: number[];
  lastEpoch = 0;
  constructor(
    readonly optimizer: Optimizer<{ lr: number }>,
    readonly factor: (epoch: number) => number,
  ) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.options.lr);
    this.#apply();
  }
  /** Advances one step (call after optimizer.step()). */
  step(): void {
    this.lastEpoch += 1;
    this.#apply();
  }
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.options.lr);
  }
  stateDict(): { lastEpoch: number; baseLrs: number[] } {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }
  loadStateDict(s: { lastEpoch: number; baseLrs: number[] }): void {
    this.lastEpoch = s.lastEpoch;
    this.baseLrs.splice(0, this.baseLrs.length, ...s.baseLrs);
    this.#apply();
  }
  #apply(): void {
    const f = this.factor(this.lastEpoch);
    this.optimizer.paramGroups.forEach((g, i) => {
      g.options.lr = this.baseLrs[i]! * f;
    });
  }
}

/** Linear warm-up to 1 over warmupSteps (the Decision Transformer's min((t + 1) / warmup, 1)). */
export function linearWarmup(warmupSteps: number): (step: number) => number {
  if (warmupSteps <= 0) return () => 1;
  return (step) => Math.min((step + 1) / warmupSteps, 1);
}

/**
 * Linear warm-up from 0 over warmupSteps, then cosine decay to minRatio at totalSteps (Hugging Face's
 * get_cosine_schedule_with_warmup when minRatio = 0).
 */
export function cosineWithWarmup(warmupSteps: number, totalSteps: number, minRatio = 0): (step: number) => number {
  return (step) => {
    if (step < warmupSteps) return step / Math.max(1, warmupSteps);
    const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

/** Cosine annealing from the base lr to etaMin over tMax steps (PyTorch's closed form), constant after. */
export function cosineAnnealing(tMax: number, baseLr: number, etaMin = 0): (step: number) => number {
  return (step) => {
    const t = Math.min(step, tMax);
    return (etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2) / baseLr;
  };
}
