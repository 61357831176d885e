/**
 * The normalised pool queries (`KeyPool.query`, the frozen model's embeddings) of `windows` training
 * windows of one task's data: what the pool scripts (pool-key-cosines.ts, pool-query-separability.ts)
 * compare keys and tasks with. Returns [windows, d]; call it inside `torch.tidy`.
 */
import * as torch from '../src/torch/index.ts';
import { KeyPool } from '../src/adapt/pool.ts';
import { loadTaskDatasets } from '../src/data/dataset.ts';
import { TrajectorySampler } from '../src/data/sampler.ts';
import { batchToInputs } from '../src/model/batch-inputs.ts';
import type { DecisionTransformer } from '../src/model/decision-transformer.ts';
import type { StateNormalizer } from '../src/data/state-norm.ts';

export function taskQueries(model: DecisionTransformer, stateNorm: StateNormalizer | undefined, opts: { data: string; task: string; windows: number; seed: number }): torch.Tensor {
  const s = new TrajectorySampler(loadTaskDatasets([opts.data], [opts.task]), { batchSize: opts.windows, contextLength: model.cfg.contextLength, seed: opts.seed });
  const { x } = batchToInputs(s.next(), stateNorm);
  const q = KeyPool.query({ tokens: model.embedTokens(x), attentionMask: x.attentionMask, tokensPerStep: model.tokensPerStep });
  return torch.F.normalize(q, 2, 1);
}
