/**
 * Acting: decode the current timestep's action one dimension at a time, greedily, as the original
 * does, for a batch of environments at once.
 *
 * The original runs one full forward pass per action dimension. With a key/value cache the cost is
 * one pass over the context up to R_t, then one single-token pass per further dimension: the
 * causal mask means a^(i+1) depends only on tokens before it, so both give the same actions.
 */
import * as torch from '../torch/index.ts';
import type { Tensor } from '../torch/index.ts';
import type { DecisionTransformer, DTInputs } from './decision-transformer.ts';
import type { LayerCache } from './gpt2.ts';

/**
 * Greedy action tokens [B, actDim] for the LAST timestep of each window in `x` (its action tokens and
 * reward are ignored). `cached: false` reproduces the original's act_dim full passes. With `logits`,
 * each dimension's [B, bins] logits are appended to it, in order.
 */
export function decodeActionTokens(model: DecisionTransformer, x: DTInputs, actDim: number, cached = true, logits?: Float32Array[]): Int32Array {
  if (actDim < 1 || actDim > model.cfg.maxActDim) throw new Error(`decodeActionTokens: actDim must be in [1, ${model.cfg.maxActDim}], got ${actDim}`);
  if (model.training) throw new Error('decodeActionTokens: put the model in eval mode first (model.eval())');
  return torch.inferenceMode(() => (cached ? decodeCached(model, x, actDim, logits) : decodeUncached(model, x, actDim, logits)));
}

function argmaxTokens(logits: Tensor, out: Int32Array, stride: number, dim: number, trace?: Float32Array[]): void {
  torch.tidy(() => {
    trace?.push(logits.contiguous().toFloat32Array());
    const toks = logits.argmax(-1).toArray();
    for (let b = 0; b < toks.length; b++) out[b * stride + dim] = toks[b]!;
  });
}

function decodeUncached(model: DecisionTransformer, x: DTInputs, actDim: number, trace?: Float32Array[]): Int32Array {
  const [B, K] = x.states.shape as [number, number];
  const out = new Int32Array(B * actDim);
  const tokens = x.actionTokens.clone();
  try {
    for (let i = 0; i < actDim; i++) {
      torch.tidy(() => {
        const logits = model.forward({ ...x, actionTokens: tokens }); // [B, K, A, bins]
        const last = logits.select(1, K - 1).select(1, i); // [B, bins]
        argmaxTokens(last, out, actDim, i, trace);
        const col = torch.tensor(Int32Array.from({ length: B }, (_, b) => out[b * actDim + i]!), { dtype: 'int64' });
        tokens.select(1, K - 1).select(1, i).copy_(col);
      });
    }
  } finally {
    tokens.dispose();
  }
  return out;
}

function decodeCached(model: DecisionTransformer, x: DTInputs, actDim: number, trace?: Float32Array[]): Int32Array {
  const [B, K] = x.states.shape as [number, number];
  const T = model.tokensPerStep;
  const out = new Int32Array(B * actDim);
  const caches: LayerCache[] = model.blocks.map(() => ({ k: null, v: null, reserve: actDim - 1 }));
  try {
    torch.tidy(() => {
      // The method's modulation is computed once per step from the whole window (as an uncached pass
      // sees it: the state tokens it reads do not depend on the actions still to be decoded).
      const tokens = model.embedTokens(x);
      const mod = model.modulate(x, tokens);
      // Pass 1: a soft prompt (if any) and every token up to and including R of the last timestep.
      const prefixLen = (K - 1) * T + 2;
      const window = model.withPrompt(tokens.narrow(1, 0, prefixLen).add(model.positionBias()), model.keyPaddingMask(x.attentionMask).narrow(1, 0, prefixLen), mod);
      let padMask = window.padMask;
      const h = model.transform(window.embedded, padMask, caches, mod);
      argmaxTokens(model.action_head.forward(h.select(1, h.size(1) - 1)), out, actDim, 0, trace);
      // Then one token per decoded dimension: a^i (at the last timestep) predicts a^(i+1).
      const lastTime = x.timesteps.select(1, K - 1); // [B]
      const realKey = torch.zeros([B, 1], { dtype: 'bool' });
      for (let i = 1; i < actDim; i++) {
        const prev = torch.tensor(Int32Array.from({ length: B }, (_, b) => out[b * actDim + i - 1]!), { dtype: 'int64' });
        const e = model.embedActionToken(prev, i - 1, lastTime); // [B, 1, d]
        padMask = torch.cat([padMask, realKey], 1);
        const hi = model.transform(e, padMask, caches, mod);
        argmaxTokens(model.action_head.forward(hi.select(1, 0)), out, actDim, i, trace);
      }
    });
  } finally {
    for (const c of caches) {
      c.k?.dispose();
      c.v?.dispose();
    }
  }
  return out;
}
