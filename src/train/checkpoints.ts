/**
 * Training checkpoints: a checkpoint folder written atomically as a whole (`saveCheckpointAtomic`)
 * whose metadata holds the update counter and the sampler's state, so a run resumes exactly.
 */
import * as torch from '../torch/index.ts';

export interface TrainCheckpointMeta {
  update: number;
  sampler: unknown;
  [key: string]: unknown;
}

export function writeTrainCheckpoint(dir: string, opts: Omit<torch.SaveCheckpointOptions, 'meta'> & { meta: TrainCheckpointMeta }): void {
  torch.saveCheckpointAtomic(dir, opts);
}

export function readTrainCheckpoint(dir: string, opts: torch.LoadCheckpointOptions): TrainCheckpointMeta {
  const from = torch.completeCheckpointDir(dir);
  if (!from) throw new Error(`${dir}: no complete checkpoint (missing ${torch.CHECKPOINT_FILES.meta})`);
  const meta = torch.loadCheckpoint(from, opts) as TrainCheckpointMeta | null;
  if (!meta || typeof meta.update !== 'number') throw new Error(`${from}: not a training checkpoint (no update counter in its metadata)`);
  return meta;
}
