/**
 * Training checkpoints that are atomic as a whole: the folder is written beside the target as
 * `<dir>.tmp`, then swapped in by renames (`<dir>` -> `<dir>.old`, `<dir>.tmp` -> `<dir>`), so a run
 * killed at any moment leaves either the previous or the new checkpoint complete. A leftover
 * `<dir>.old` (killed between the two renames) is used when `<dir>` is missing.
 */
import fs from 'node:fs';
import * as torch from '../torch/index.ts';

export interface TrainCheckpointMeta {
  update: number;
  sampler: unknown;
  [key: string]: unknown;
}

export function writeTrainCheckpoint(dir: string, opts: Omit<torch.SaveCheckpointOptions, 'meta'> & { meta: TrainCheckpointMeta }): void {
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  fs.rmSync(tmp, { recursive: true, force: true });
  torch.saveCheckpoint(tmp, opts);
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** The checkpoint folder to read: `dir`, or `<dir>.old` when a swap was interrupted. */
export function completeCheckpointDir(dir: string): string | undefined {
  if (fs.existsSync(`${dir}/${torch.CHECKPOINT_FILES.meta}`)) return dir;
  if (fs.existsSync(`${dir}.old/${torch.CHECKPOINT_FILES.meta}`)) return `${dir}.old`;
  return undefined;
}

export function readTrainCheckpoint(dir: string, opts: torch.LoadCheckpointOptions): TrainCheckpointMeta {
  const from = completeCheckpointDir(dir);
  if (!from) throw new Error(`${dir}: no complete checkpoint (missing ${torch.CHECKPOINT_FILES.meta})`);
  const meta = torch.loadCheckpoint(from, opts) as TrainCheckpointMeta | null;
  if (!meta || typeof meta.update !== 'number') throw new Error(`${from}: not a training checkpoint (no update counter in its metadata)`);
  return meta;
}
