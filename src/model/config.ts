/**
 * The Decision Transformer's configuration as YAML and checkpoints hold it (zod, strict), with the
 * paper's values as defaults; `parseModelConfig` fills in dInner = 4 dModel.
 */
import { z } from 'zod';
import type { DTConfig } from './decision-transformer.ts';

/** The paper's configuration: 6 layers, 12 heads, width 768, context 5 (44.5M parameters with its untrained heads). */
export const PAPER_CONFIG: DTConfig = {
  nLayer: 6,
  nHead: 12,
  dModel: 768,
  dInner: 3072,
  dropout: 0.1,
  layerNormEps: 1e-5,
  stateDim: 204,
  maxActDim: 6,
  actionBins: 64,
  contextLength: 5,
  maxEpisodeLength: 1000,
  nPositions: 1024,
  actionPositionEmbedding: false,
};


const positiveInt = z.number().int().positive();

export const modelSchema = z
  .object({
    nLayer: positiveInt.default(PAPER_CONFIG.nLayer),
    nHead: positiveInt.default(PAPER_CONFIG.nHead),
    dModel: positiveInt.default(PAPER_CONFIG.dModel),
    /** MLP width; default 4 * dModel. */
    dInner: positiveInt.optional(),
    dropout: z.number().min(0).lt(1).default(PAPER_CONFIG.dropout),
    layerNormEps: z.number().positive().default(PAPER_CONFIG.layerNormEps),
    stateDim: positiveInt.default(PAPER_CONFIG.stateDim),
    maxActDim: positiveInt.default(PAPER_CONFIG.maxActDim),
    actionBins: positiveInt.default(PAPER_CONFIG.actionBins),
    contextLength: positiveInt.default(PAPER_CONFIG.contextLength),
    maxEpisodeLength: positiveInt.default(PAPER_CONFIG.maxEpisodeLength),
    nPositions: positiveInt.default(PAPER_CONFIG.nPositions),
    /** Learned action-dimension embedding (the original's `a_pos_embds`; off in the paper's model). */
    actionPositionEmbedding: z.boolean().default(false),
  })
  .strict()
  .refine((m) => m.dModel % m.nHead === 0, { message: 'dModel must be divisible by nHead', path: ['nHead'] });

export type ModelConfigInput = z.infer<typeof modelSchema>;

/** The model configuration with every default filled in (dInner = 4 dModel unless given). */
export function modelConfig(m: ModelConfigInput): DTConfig {
  return { ...m, dInner: m.dInner ?? 4 * m.dModel };
}

/** Validates a model configuration (from YAML or a checkpoint); the error names every bad key. */
export function parseModelConfig(raw: unknown, where = 'model config'): DTConfig {
  const r = modelSchema.safeParse(raw ?? {});
  if (!r.success) throw new Error(`${where}: invalid model config:\n` + r.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'));
  return modelConfig(r.data);
}
