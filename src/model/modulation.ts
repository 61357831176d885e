/**
 * The seam between the Decision Transformer and the adaptation methods (`src/adapt/`).
 *
 * A method attaches one child module, `model.adapt`, holding its own parameters. Before the
 * transformer runs, the model shows it the window (`WindowContext`) and it answers with a
 * `Modulation`: what the transformer should use for this window. Wrapped layers (LoRA, (IA)3,
 * adapters) receive the same object and read their per-sample pool rows from it. With no method
 * attached the model runs exactly as before.
 */
import type { Tensor, nn } from '../torch/index.ts';

export interface WindowContext {
  /** Token embeddings `embed_ln(token + time)` [B, K * tokensPerStep, d], before GPT-2's wpe[0] and dropout. */
  tokens: Tensor;
  /** [B, K] bool, true for real timesteps. */
  attentionMask: Tensor;
  /** [B] int64 task index of each window, when the caller knows it (training batches, evaluation envs). */
  taskIds?: Tensor;
  /** Tokens per timestep (3 + maxActDim); the state token of timestep t is at t * tokensPerStep. */
  tokensPerStep: number;
}

/** Keys and values prepended to one layer's attention: [B, heads, P, headDim] each. */
export interface LayerPrefix {
  k: Tensor;
  v: Tensor;
}

export interface Modulation {
  /** [B] int64: the pool row (module) each window uses; absent = row 0 for every window. */
  rows?: Tensor;
  /** [B, P, d] soft tokens placed before the window (they get wpe[0] like every token; the head skips them). */
  prompt?: Tensor;
  /** Per layer: key/value prefixes every token of the window attends to (null: none at that layer). */
  prefix?: (LayerPrefix | null)[];
  /**
   * Per layer: deep prompt hidden states [B, P, d] (P-tuning v2). Each layer turns its own into keys
   * and values through its ln_1 and c_attn, as prepending hidden tokens at every layer does.
   */
  layerPrompts?: (Tensor | null)[];
  /** Added to the training loss (e.g. L2P/L2M's key pull). */
  auxLoss?: Tensor;
}

/** What `model.adapt` may implement. */
export interface ModelAdapter extends nn.Module {
  /** Once per window (and once per environment step when decoding). Tensors it returns belong to the caller's scope. */
  modulate?(ctx: WindowContext): Modulation;
}

/** The prefix length a modulation adds to layer `layer`'s keys (0 without prefixes). */
export function prefixLength(mod: Modulation | undefined, layer: number): number {
  const p = mod?.prefix?.[layer];
  if (p) return p.k.size(2);
  const h = mod?.layerPrompts?.[layer];
  return h ? h.size(1) : 0;
}
