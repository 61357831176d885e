/**
 * What the prompt methods share (l2m-spec.md section 3, the original's `DummyPrompt` and its `Prompt`
 * base): prompt tuning (`prompt.ts`), prefix tuning (`prefix.ts`) and P-tuning v2 (`ptuning-v2.ts`)
 * today, L2P's pool tomorrow.
 *
 * Every one of them keeps a table of R prompts with a leading pool axis, [R, P, ...rest] (plain
 * methods: R = 1, under the name `adapt.prompt`), and builds each window's prompt from it with
 * `gatherPrompts`: the one row expanded to the batch, one row per window, or k rows per window
 * concatenated along the length (L2P's top-k: a pool of 100 prompts of length 5, 5 per window, gives
 * [B, 25, ...]). What the rows become (soft tokens, per-layer keys and values, deep prompts) is then
 * `toLayerPrefixes` / `perLayer`, and dropout comes last, as in the original.
 */
import { z } from 'zod';
import * as torch from '../torch/index.ts';
import type { Tensor } from '../torch/index.ts';
import type { LayerPrefix } from '../model/modulation.ts';

const { nn } = torch;

/** Standard deviation of the `normal` initialisation (the original's `init_range`). */
export const NORMAL_INIT_STD = 0.02;

/**
 * Config fields every prompt method has. Defaults are the original's `dummy.yaml` (length 25,
 * `init_prompts: uniform`, U(-1, 1)) and its `Prompt` base (`dropout_rate` 0.1 on the prompts, which
 * `dummy.yaml` leaves at that default).
 */
export const promptFields = {
  /** Prompt tokens (prefix positions) per window. */
  length: z.number().int().positive().default(25),
  /** `uniform`: U(-1, 1) (the original's default); `normal`: N(0, 0.02). */
  init: z.enum(['uniform', 'normal']).default('uniform'),
  /** Dropout on the prompt tensors the window receives (training only). */
  dropout: z.number().min(0).lt(1).default(0.1),
};

/** Which blocks get prefixes / deep prompts: 'all' or indices (negative = from the end). */
export const layersField = z.union([z.literal('all'), z.array(z.number().int()).min(1)]).default('all');

export type PromptInit = 'uniform' | 'normal';

/** The model sizes a prompt module needs. */
export interface PromptDims {
  dModel: number;
  nLayer: number;
  nHead: number;
}

/** A prompt table [R, P, ...rest] as a Parameter, initialised as `init` says. */
export function promptTable(shape: number[], init: PromptInit): torch.nn.Parameter {
  return torch.noGrad(() =>
    torch.tidy(() => {
      const t = torch.empty(shape);
      if (init === 'uniform') t.uniform_(-1, 1);
      else t.normal_(0, NORMAL_INIT_STD);
      return new nn.Parameter(t);
    }),
  );
}

/**
 * Each window's prompt from a table of R prompts `table` [R, P, ...rest]:
 * - no `rows`: the table's single prompt for every window, [batch, P, ...rest] (a broadcast view; the
 *   gradient sums over the batch);
 * - `rows` [B] int64: window b gets row rows[b], [B, P, ...rest];
 * - `rows` [B, k] int64: window b gets rows rows[b, 0..k-1] concatenated along the length, in that
 *   order, [B, k * P, ...rest] (L2P's top-k selection).
 */
export function gatherPrompts(table: Tensor, batch: number, rows?: Tensor): Tensor {
  return torch.tidy(() => {
    const [R, P, ...rest] = table.shape as number[];
    if (!rows) {
      if (R !== 1) throw new Error(`gatherPrompts: a table of ${R} prompts needs the row of each window`);
      return table.expand([batch, P!, ...rest]);
    }
    if (rows.dim() === 1) {
      if (rows.size(0) !== batch) throw new Error(`gatherPrompts: ${rows.size(0)} rows for a batch of ${batch}`);
      return table.indexSelect(0, rows);
    }
    if (rows.dim() !== 2 || rows.size(0) !== batch) throw new Error(`gatherPrompts: rows must be [${batch}] or [${batch}, k], got [${rows.shape.join(', ')}]`);
    const k = rows.size(1);
    return table.indexSelect(0, rows.reshape([-1])).reshape([batch, k * P!, ...rest]);
  });
}

/** [B, P, d] -> [B, heads, P, d / heads] (reshape: the input may be a strided view). */
export function toHeads(x: Tensor, nHead: number): Tensor {
  return torch.tidy(() => {
    const [B, P, d] = x.shape as [number, number, number];
    return x.reshape([B, P, nHead, d / nHead]).transpose(1, 2);
  });
}

/** Throws when a block is named twice (after resolving negative indices). */
export function distinctLayers(layers: readonly number[], what: string): void {
  const seen = new Set<number>();
  for (const l of layers) {
    if (seen.has(l)) throw new Error(`${what}: layers: block ${l} is named twice`);
    seen.add(l);
  }
}

/** A per-layer list of length `nLayer`: `make(slot)` at the chosen layers (slot = position in `layers`), null elsewhere. */
export function perLayer<T>(nLayer: number, layers: readonly number[], make: (slot: number) => T): (T | null)[] {
  const out: (T | null)[] = Array.from({ length: nLayer }, () => null);
  layers.forEach((l, slot) => (out[l] = make(slot)));
  return out;
}

/**
 * Per-layer key/value prefixes from `kv` [B, P, L', 2, d] (slot j of axis 2 belongs to `layers[j]`;
 * axis 3 is key, value): [B, heads, P, d / heads] each.
 */
export function toLayerPrefixes(kv: Tensor, dims: PromptDims, layers: readonly number[]): (LayerPrefix | null)[] {
  return perLayer(dims.nLayer, layers, (j) => {
    const layer = kv.select(2, j);
    return { k: toHeads(layer.select(2, 0), dims.nHead), v: toHeads(layer.select(2, 1), dims.nHead) };
  });
}
