/**
 * A random training batch of context windows for the update benches (the numbers do not matter, only
 * the shapes: batch B, the config's context length, state width and action tokens), with an all-ones
 * action mask. Drawn from torch's generator, so seed it first for the same batch every run.
 */
import * as torch from '../src/torch/index.ts';
import type { DTConfig } from '../src/model/decision-transformer.ts';

export function randomWindowBatch(cfg: DTConfig, B: number, opts: { taskIds?: boolean } = {}) {
  const K = cfg.contextLength;
  const A = cfg.maxActDim;
  const x = {
    states: torch.randn([B, K, cfg.stateDim]),
    actionTokens: torch.randint(0, cfg.actionBins, [B, K, A], { dtype: 'int64' }),
    returnsToGo: torch.randn([B, K]),
    rewards: torch.randn([B, K]),
    timesteps: torch.randint(0, cfg.maxEpisodeLength - K, [B, K], { dtype: 'int64' }),
    attentionMask: torch.ones([B, K], { dtype: 'bool' }),
    ...(opts.taskIds ? { taskIds: torch.zeros([B], { dtype: 'int64' }) } : {}),
  };
  return { x, actionMask: torch.ones([B, K, A], { dtype: 'int64' }) };
}
