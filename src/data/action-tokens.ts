/**
 * The original's MinMax action tokenizer (`src/tokenizers_custom/minmax_tokenizer.py`): 64 bins over
 * [-1, 1], `tok = clamp(long((a + 1) / (2/64)), 0, 63)` computed in float32; token 64 marks padded
 * timesteps. Decoding gives the lower bin edge: `a = tok * 2/64 - 1`.
 */
export const ACTION_BINS = 64;
export const ACTION_PAD_TOKEN = 64;

export function actionToken(a: number): number {
  // (a - min) / width in float32; width = 2/64 is a power of two, so the division is exact.
  const t = Math.trunc(Math.fround(a + 1) * (ACTION_BINS / 2));
  if (!(t > 0)) return 0; // below range, -0 or NaN (torch's long() of NaN clamps to 0 too)
  return t > ACTION_BINS - 1 ? ACTION_BINS - 1 : t;
}

export function tokenToAction(token: number): number {
  return Math.fround(token * (2 / ACTION_BINS) - 1);
}
