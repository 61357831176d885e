/**
 * L2M, "Learning to Modulate" (l2m-spec.md section 4; the original's `L2MLoRA` / `L2MIA3` in
 * `src/algos/prompt/l2m.py`, `prompt_kwargs/l2m_{lora,ia3}.yaml`): a pool of (key, modulator) pairs on
 * the frozen model; each window picks its modulator by cosine top-1 between its query and the keys
 * (`pool.ts`: query, count penalty, key pull, oracle, pre-training keys, selection statistics).
 *
 * - `l2m`: a pool of 30 LoRA modules, rank 8, alpha 16 (scale 2), on Q, V and the FFN (the residual
 *   low-rank map of the c_fc output) of every block: the LoRA layers of `lora.ts` with a leading pool
 *   axis, a window using the row it selected (`Modulation.rows`). B = 0; A is Kaiming-uniform(a = √5)
 *   over the whole pool tensor as the original initialises its one 5-D `lora_a`
 *   [pool, layers, slots, d, r]: bound 1/√fan_in, fan_in = layers · slots · d · r, where the slots are
 *   one d-wide chunk per attention projection (Q, V; K if asked) and dInner/d chunks for the FFN. With
 *   dInner a multiple of d that is fan_in = layers · r · (projections · d + dInner) (only modulated
 *   layers count), for the paper's model 6 · 8 · (2 · 768 + 3072) = 221,184, bound ≈ 0.00213
 *   (`l2mLoraBound`). Pool 13,271,040 parameters + 23,040 keys.
 * - `l2m-ia3`: a pool of 30 sets of per-layer (IA)3 vectors (K, V, the FFN hidden after GELU), all 1:
 *   the layers of `ia3.ts` with a pool axis (829,440 parameters for the paper's model + 23,040 keys).
 * - `oracle: { tasks: N }` on either: L2M-oracle (the pool split into N contiguous blocks, a window
 *   matching only within its task id's block; windows without task ids are an error).
 * - `pretrainKeys: n`: see `pool.ts`; the pool then has one extra row (the identity) for windows that
 *   match a pre-training key.
 * Top-1 only (the original squeezes its top-k axis). Keys take no weight decay (adamwGroups).
 */
import { z } from 'zod';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import type { Modulation } from '../model/modulation.ts';
import * as torch from '../torch/index.ts';
import { injectIa3, type Ia3Config } from './ia3.ts';
import { resolveLayers } from './inject.ts';
import { injectLora, loraFields, type LoraConfig } from './lora.ts';
import { registerMethod } from './registry.ts';
import { KeyPool, PoolBook, checkPoolConfig, poolFields, poolHooks, type PoolMethod, type PoolSelection } from './pool.ts';

const layers = z.union([z.literal('all'), z.array(z.number().int()).min(1)]).default('all');

export const l2mSchema = z
  .object({
    pool: z.number().int().positive().default(30),
    ...loraFields,
    layers,
    ...poolFields,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.q && !c.k && !c.v && !c.ffn) ctx.addIssue({ code: 'custom', path: ['q'], message: 'nothing to modulate: q, k, v and ffn are all false' });
    checkPoolConfig({ ...c, topK: 1 }, ctx, { pretrainKeys: true });
  });
export type L2mConfig = z.infer<typeof l2mSchema>;

export const l2mIa3Schema = z
  .object({
    pool: z.number().int().positive().default(30),
    k: z.boolean().default(true),
    v: z.boolean().default(true),
    ffn: z.boolean().default(true),
    layers,
    ...poolFields,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.k && !c.v && !c.ffn) ctx.addIssue({ code: 'custom', path: ['k'], message: 'nothing to modulate: k, v and ffn are all false' });
    checkPoolConfig({ ...c, topK: 1 }, ctx, { pretrainKeys: true });
  });
export type L2mIa3Config = z.infer<typeof l2mIa3Schema>;

/**
 * The Kaiming-uniform bound of the original's whole-pool `lora_a` (see the header): 1/√fan_in with
 * fan_in = layers · rank · (attention projections · d + dInner).
 */
export function l2mLoraBound(model: { cfg: { dModel: number; dInner: number } }, cfg: Pick<L2mConfig, 'rank' | 'q' | 'k' | 'v' | 'ffn'>, nLayers: number): number {
  const projections = Number(cfg.q) + Number(cfg.k) + Number(cfg.v);
  const fanIn = nLayers * cfg.rank * (projections * model.cfg.dModel + (cfg.ffn ? model.cfg.dInner : 0));
  return 1 / Math.sqrt(fanIn);
}

/** `model.adapt` of L2M: the keys; the modulators live in the wrapped layers (pool rows). */
export class L2mPool extends KeyPool {
  protected modulationOf(sel: PoolSelection): Modulation {
    return torch.tidy(() => {
      const R = this.book.cfg.pool;
      if (sel.keySet === 'pretrain') return { rows: torch.full([sel.indices.size(0)], R, { dtype: 'int64', device: sel.indices.device }) };
      const rows = sel.indices.select(1, 0);
      // A pre-training key (entries >= R) selects the identity row R.
      return { rows: sel.keySet === 'pool+pretrain' ? rows.clamp(null, R) : rows };
    });
  }
}

function create<C extends L2mConfig | L2mIa3Config>(
  name: 'l2m' | 'l2m-ia3',
  config: C,
  inject: (model: DecisionTransformer, rows: number) => void,
): PoolMethod<C> {
  const book = new PoolBook({ ...config, topK: 1 });
  return {
    name,
    config,
    inject(model) {
      model.freeze();
      const before = new Set(model.parameters());
      const adapt = new L2mPool(model.cfg.dModel, book);
      model.adapt = adapt;
      inject(model, config.pool + (config.pretrainKeys ? 1 : 0));
      const pool = model.parameters().filter((p) => !before.has(p) && p !== adapt.pretrain_keys);
      book.bindParameters(pool, adapt.pretrain_keys);
    },
    ...poolHooks(book),
  };
}

registerMethod({
  name: 'l2m',
  description: 'L2M: a pool of 30 (key, LoRA) pairs (rank 8, Q, V, FFN), cosine top-1 per window on the embedding-layer state tokens; the base is frozen',
  schema: l2mSchema,
  create(config) {
    return create('l2m', config, (model, rows) => {
      const lora: LoraConfig = { rank: config.rank, alpha: config.alpha, q: config.q, k: config.k, v: config.v, ffn: config.ffn, layers: config.layers };
      const bound = l2mLoraBound(model, config, resolveLayers(model, config.layers).length);
      injectLora(model, lora, rows, { attention: bound, ffn: bound });
    });
  },
});

registerMethod({
  name: 'l2m-ia3',
  description: 'L2M-(IA)3: a pool of 30 (key, per-layer (IA)3 vectors) pairs, cosine top-1 per window; the base is frozen',
  schema: l2mIa3Schema,
  create(config) {
    return create('l2m-ia3', config, (model, rows) => {
      const ia3: Ia3Config = { k: config.k, v: config.v, ffn: config.ffn, embeddings: false, layers: config.layers };
      injectIa3(model, ia3, rows);
    });
  },
});
