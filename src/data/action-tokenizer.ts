/**
 * The original's MinMax action tokenizer (`src/tokenizers_custom/minmax_tokenizer.py`): each action
 * dimension in [low, high] becomes one of `bins` tokens, tok = clamp(long((a - low) / width), 0, bins - 1)
 * with width = (high - low) / bins, computed in float32 as PyTorch does on float32 actions, and decodes to
 * the bin's LOWER edge, a = low + tok * width (so a = 1.0 decodes to 0.96875 with 64 bins over [-1, 1]).
 * Token `bins` is the padding token of timesteps outside the context mask.
 */
export class ActionTokenizer {
  readonly width: number;
  /** Token of a padded (masked-out) timestep. */
  readonly padToken: number;

  constructor(
    readonly bins = 64,
    readonly low = -1,
    readonly high = 1,
  ) {
    if (!Number.isInteger(bins) || bins < 2) throw new Error(`ActionTokenizer: bins must be an integer >= 2, got ${bins}`);
    if (!(high > low)) throw new Error(`ActionTokenizer: need high > low, got [${low}, ${high}]`);
    this.width = (high - low) / bins;
    this.padToken = bins;
  }

  encode(a: number): number {
    if (Number.isNaN(a)) throw new Error('ActionTokenizer.encode: action is NaN');
    const t = Math.trunc(Math.fround(Math.fround(Math.fround(a) - this.low) / this.width));
    if (!(t > 0)) return 0; // below the range (trunc gives -0 or negatives)
    return t > this.bins - 1 ? this.bins - 1 : t;
  }

  decode(token: number): number {
    return this.low + token * this.width;
  }

  /** The token of 0.0: what padded action dimensions carry on input. */
  get zeroToken(): number {
    return this.encode(0);
  }

  encodeAll(actions: ArrayLike<number>, out: Int32Array | number[] = new Int32Array(actions.length)): Int32Array | number[] {
    for (let i = 0; i < actions.length; i++) out[i] = this.encode(actions[i]!);
    return out;
  }
}

/** The original's tokenizer: 64 bins over [-1, 1]. */
export const MINMAX_64 = new ActionTokenizer(64, -1, 1);
