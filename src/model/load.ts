/** Rebuilds a Decision Transformer from a pre-training run's checkpoint folder. */
import fs from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.ts';
import { DecisionTransformer, type DTConfig } from './decision-transformer.ts';
import { completeCheckpointDir } from '../train/checkpoints.ts';
import { modelConfig } from '../train/pretrain.ts';
import { parsePretrainConfig } from '../train/config.ts';
import { StateNormalizer } from '../data/state-norm.ts';

/**
 * Accepts a run folder (`runs/<name>`, using its `checkpoint/`) or a checkpoint folder itself.
 * The model's configuration comes from the checkpoint's metadata.
 */
export function loadDecisionTransformer(location: string): { model: DecisionTransformer; config: DTConfig; update: number; checkpoint: string; stateNorm?: StateNormalizer } {
  if (!fs.existsSync(location)) throw new Error(`checkpoint not found: ${path.resolve(location)}`);
  const candidates = [path.join(location, 'checkpoint'), location];
  const dir = candidates.map((c) => completeCheckpointDir(c)).find((c) => c !== undefined);
  if (!dir) throw new Error(`${path.resolve(location)}: no complete checkpoint here (expected checkpoint.json, or a run folder with checkpoint/)`);
  const metaFile = path.join(dir, torch.CHECKPOINT_FILES.meta);
  const meta = (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { meta?: { config?: unknown; update?: number; stateNorm?: unknown } }).meta;
  if (!meta?.config) throw new Error(`${metaFile}: the checkpoint does not record its model configuration`);
  const config = modelConfig(parsePretrainConfig(meta.config, metaFile));
  const stateNorm = meta.stateNorm === undefined ? undefined : StateNormalizer.fromJSON(meta.stateNorm, metaFile);
  const model = new DecisionTransformer(config);
  try {
    torch.loadCheckpoint(dir, { model });
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, config, update: meta.update ?? 0, checkpoint: dir, stateNorm };
}
