/** Synthetic Decision Transformer batches for model tests. */
import * as torch from '../../src/torch/index.ts';
import type { DTConfig, DTInputs } from '../../src/model/decision-transformer.ts';

/** A batch with left padding, padded action dimensions (token 32, masked) and padded timesteps (token 64). */
export function paddedBatch(B: number, K: number, cfg: DTConfig, realActDims: number[]): { x: DTInputs; actionMask: torch.Tensor } {
  const A = cfg.maxActDim;
  const tokens = new Int32Array(B * K * A);
  const mask = new Int32Array(B * K * A);
  const attention = new Uint8Array(B * K);
  const timesteps = new Int32Array(B * K);
  for (let b = 0; b < B; b++) {
    const pad = b % K; // window b has b % K padded timesteps on the left
    for (let k = 0; k < K; k++) {
      const real = k >= pad;
      attention[b * K + k] = real ? 1 : 0;
      timesteps[b * K + k] = real ? (37 * b) % (cfg.maxEpisodeLength - K) + k - pad : 0;
      for (let j = 0; j < A; j++) {
        const i = (b * K + k) * A + j;
        if (!real) tokens[i] = cfg.actionBins;
        else if (j >= realActDims[b % realActDims.length]!) tokens[i] = 32;
        else {
          tokens[i] = (b * 13 + k * 7 + j * 5) % cfg.actionBins;
          mask[i] = 1;
        }
      }
    }
  }
  const x: DTInputs = {
    states: torch.randn([B, K, cfg.stateDim]),
    actionTokens: torch.tensor(tokens, { shape: [B, K, A], dtype: 'int64' }),
    returnsToGo: torch.randn([B, K]),
    rewards: torch.rand([B, K]),
    timesteps: torch.tensor(timesteps, { shape: [B, K], dtype: 'int64' }),
    attentionMask: torch.tensor(attention, { shape: [B, K], dtype: 'bool' }),
  };
  return { x, actionMask: torch.tensor(mask, { shape: [B, K, A], dtype: 'int64' }) };
}

