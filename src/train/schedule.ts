/**
 * The pre-training learning-rate factor: linear warm-up (t + 1) / warmup over `warmupSteps` updates,
 * then cosine decay from 1 to `minRatio` (eta_min / lr) over the remaining updates.
 */
export function warmupCosine(warmupSteps: number, totalSteps: number, minRatio: number): (step: number) => number {
  if (!(minRatio >= 0 && minRatio <= 1)) throw new Error(`warmupCosine: minRatio must be in [0, 1], got ${minRatio}`);
  return (step) => {
    if (step < warmupSteps) return (step + 1) / warmupSteps;
    const span = Math.max(1, totalSteps - warmupSteps);
    const progress = Math.min(1, (step - warmupSteps) / span);
    return minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}
