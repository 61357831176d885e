/**
 * Training checkpoints: a checkpoint folder written atomically as a whole (`saveCheckpointAtomic`)
 * whose metadata holds the update counter and the sampler's state, so a run resumes exactly.
 */
import * as torch from '../torch/index.ts';
import type { MixedPrecision } from './run-device.ts';

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

/** The GradScaler's state for a checkpoint's metadata (fp16 runs), so a resumed run scales as an uninterrupted one. */
export function scalerMeta(mp: MixedPrecision | undefined): { gradScaler?: torch.optim.GradScalerState } {
  return mp?.scaler ? { gradScaler: mp.scaler.stateDict() } : {};
}

/** Restores the GradScaler of an fp16 run from a checkpoint's metadata (refusing one that has none). */
export function restoreScaler(mp: MixedPrecision | undefined, meta: TrainCheckpointMeta, dir: string): void {
  if (!mp?.scaler) return;
  const s = meta.gradScaler as torch.optim.GradScalerState | undefined;
  if (!s) throw new Error(`${dir}: the checkpoint holds no GradScaler state, so it was not written by an fp16 run`);
  mp.scaler.loadStateDict(s);
}
