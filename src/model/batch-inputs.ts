/** The sampler's typed-array batches as model inputs. */
import * as torch from '../torch/index.ts';
import type { Batch, TrajectorySampler } from '../data/sampler.ts';
import type { StateNormalizer } from '../data/state-norm.ts';
import type { DTInputs } from './decision-transformer.ts';

/**
 * A batch as tensors (states standardised first when a normaliser is given). `taskIds` maps the
 * sampler's task index of each window to the method's task numbering (default: the sampler's own).
 */
export function batchToInputs(b: Batch, stateNorm?: StateNormalizer, taskIds?: ArrayLike<number>): { x: DTInputs; actionMask: torch.Tensor } {
  const B = b.batchSize;
  const K = b.contextLength;
  let states = b.states;
  if (stateNorm) {
    states = Float32Array.from(b.states);
    stateNorm.apply(b.domain, states, b.attentionMask);
  }
  const A = b.actions.length / (B * K);
  const mask = new Uint8Array(b.attentionMask.length);
  for (let i = 0; i < mask.length; i++) mask[i] = b.attentionMask[i]! ? 1 : 0;
  const ids = new Int32Array(B);
  for (let i = 0; i < B; i++) ids[i] = taskIds ? taskIds[b.taskIds[i]!]! : b.taskIds[i]!;
  return {
    x: {
      states: torch.tensor(states, { shape: [B, K, states.length / (B * K)] }),
      actionTokens: torch.tensor(b.actionTokens, { shape: [B, K, A], dtype: 'int64' }),
      returnsToGo: torch.tensor(b.returnsToGo, { shape: [B, K] }),
      rewards: torch.tensor(b.rewards, { shape: [B, K] }),
      timesteps: torch.tensor(b.timesteps, { shape: [B, K], dtype: 'int64' }),
      attentionMask: torch.tensor(mask, { shape: [B, K], dtype: 'bool' }),
      taskIds: torch.tensor(ids, { shape: [B], dtype: 'int64' }),
    },
    actionMask: torch.tensor(b.actionMask, { shape: [B, K, A], dtype: 'int64' }),
  };
}

/** Throws naming the first non-finite value of a batch (NaN in a dataset must not reach the loss). */
export function assertFiniteBatch(b: Batch, update: number): void {
  for (const [name, arr] of [['states', b.states], ['returnsToGo', b.returnsToGo], ['rewards', b.rewards]] as const) {
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i]!)) throw new Error(`update ${update}: the ${b.domain} batch has a non-finite value in '${name}' (index ${i}); check the dataset with \`l2m data stats\``);
    }
  }
}

/**
 * The next batch of `sampler` as model inputs, after checking it is finite: what every training loop
 * hands the shared training step (`update` only names the update in errors).
 */
export function nextInputs(sampler: TrajectorySampler, update: number, stateNorm?: StateNormalizer, taskIds?: ArrayLike<number>): { x: DTInputs; actionMask: torch.Tensor } {
  const batch = sampler.next();
  assertFiniteBatch(batch, update);
  return batchToInputs(batch, stateNorm, taskIds);
}
