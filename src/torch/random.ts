/** Seeding: one call seeds libtorch's default generators (CPU and every CUDA device). */
import { native } from './native.ts';

/** Makes randn/rand/dropout/... reproducible, like torch.manual_seed. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`manualSeed(): seed must be a non-negative integer, got ${seed}`);
  native.manualSeed(seed);
}
