/** Rebuilds a Decision Transformer from a checkpoint folder (pre-training, fine-tuning or merged). */
import fs from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.ts';
import { DecisionTransformer, type DTConfig } from './decision-transformer.ts';
import { parseModelConfig } from './config.ts';
import { StateNormalizer } from '../data/state-norm.ts';

export interface CheckpointMetaOfModel {
  /** The model configuration (new checkpoints). */
  model?: unknown;
  /** A pre-training run's whole config (older checkpoints: its `model` section is the model). */
  config?: { model?: unknown };
  update?: number;
  stateNorm?: unknown;
}

/** Accepts a run folder (`runs/<name>`, using its `checkpoint/`) or a checkpoint folder itself; returns the complete checkpoint folder. */
export function findCheckpointDir(location: string): string {
  if (!fs.existsSync(location)) throw new Error(`checkpoint not found: ${path.resolve(location)}`);
  const dir = [path.join(location, 'checkpoint'), location].map((c) => torch.completeCheckpointDir(c)).find((c) => c !== undefined);
  if (!dir) throw new Error(`${path.resolve(location)}: no complete checkpoint here (expected checkpoint.json, or a run folder with checkpoint/)`);
  return dir;
}

/** The metadata of a checkpoint folder (model configuration, update, state standardisation). */
export function readModelMeta(dir: string): { config: DTConfig; update: number; stateNorm?: StateNormalizer; meta: CheckpointMetaOfModel } {
  const metaFile = path.join(dir, torch.CHECKPOINT_FILES.meta);
  let json: { meta?: CheckpointMetaOfModel };
  try {
    json = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { meta?: CheckpointMetaOfModel };
  } catch (err) {
    throw new Error(`${metaFile}: malformed JSON (${(err as Error).message})`);
  }
  const meta = json.meta ?? {};
  const raw = meta.model ?? meta.config?.model;
  if (raw === undefined) throw new Error(`${metaFile}: the checkpoint does not record its model configuration`);
  const config = parseModelConfig(raw, metaFile);
  const stateNorm = meta.stateNorm === undefined ? undefined : StateNormalizer.fromJSON(meta.stateNorm, metaFile);
  return { config, update: meta.update ?? 0, stateNorm, meta };
}

/**
 * `dropout` replaces the checkpoint's dropout rate (a training setting, not a parameter: fine-tuning
 * may train with another rate than the base was pre-trained with, as the original's 0.1 on our
 * dropout-0 base).
 */
export function loadDecisionTransformer(location: string, opts: { dropout?: number } = {}): { model: DecisionTransformer; config: DTConfig; update: number; checkpoint: string; stateNorm?: StateNormalizer } {
  const dir = findCheckpointDir(location);
  const meta = readModelMeta(dir);
  const { update, stateNorm } = meta;
  const config = opts.dropout === undefined ? meta.config : { ...meta.config, dropout: opts.dropout };
  const model = new DecisionTransformer(config);
  try {
    torch.loadCheckpoint(dir, { model });
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, config, update, checkpoint: dir, stateNorm };
}
