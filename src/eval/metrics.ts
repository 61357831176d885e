/** Aggregate metrics over per-task scores. */

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation would hide single-episode runs; this is the population std (numpy's default). */
export function std(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / xs.length);
}

/**
 * Interquartile mean: the mean after dropping floor(n / 4) scores from each end, as
 * scipy.stats.trim_mean(x, 0.25) does (what rliable and the original's callback use).
 */
export function interquartileMean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const cut = Math.floor(sorted.length * 0.25);
  return mean(sorted.slice(cut, sorted.length - cut));
}

/** The median; for an even count, the mean of the two middle values (numpy's). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const h = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2;
}

/** Forgetting of a task: its score while it was being trained minus its final score. */
export function forgetting(scoreWhileCurrent: number, finalScore: number): number {
  return scoreWhileCurrent - finalScore;
}

/** A score to three decimals for tables; '-' when missing, and never "-0.000". */
export function formatScore(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  const s = x.toFixed(3);
  return s === '-0.000' ? '0.000' : s;
}
