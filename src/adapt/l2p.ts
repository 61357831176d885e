/**
 * L2P, "Learning to Prompt" as the original runs it (l2m-spec.md section 3; `L2PPrompt` in
 * `src/algos/prompt/l2p.py`, `prompt_kwargs/l2p.yaml`): a pool of 100 (key, prompt) pairs of length 5;
 * each window picks its top 5 keys by cosine (`pool.ts`: query, count penalty, key pull, oracle,
 * selection statistics) and gets their prompts concatenated, best match first, [B, 25, ...]
 * (`gatherPrompts`). `form` says what a prompt is, each the single-prompt method of that name with a
 * pool axis in front of its table `adapt.prompt`:
 * - `prompt` (L2P-PT): soft tokens before the window (`prompt.ts`), table [pool, P, d];
 * - `prefix` (L2P-PreT): per-layer keys and values (`prefix.ts` without re-parameterisation, as the
 *   original's pool holds the prefixes themselves), table [pool, P, L', 2, d];
 * - `ptuning-v2` (L2P-Pv2): deep prompts at every chosen block (`ptuning-v2.ts`), table [pool, P, L', d].
 * Init U(-1, 1) (`init_prompts: uniform`, the L2PPrompt default), dropout 0.1 on the gathered prompts
 * (the Prompt base default, which l2p.yaml keeps), keys U(-1, 1).
 * Parameters for the paper's model: PT 384,000, PreT 4,608,000, Pv2 2,304,000, plus 76,800 keys.
 * Pre-training keys are refused: a window's prompt cannot be switched off within a batch.
 */
import { z } from 'zod';
import * as torch from '../torch/index.ts';
import type { Modulation } from '../model/modulation.ts';
import { resolveLayers } from './inject.ts';
import { registerMethod } from './registry.ts';
import { KeyPool, PoolBook, checkPoolConfig, poolFields, poolHooks, type PoolMethod, type PoolSelection } from './pool.ts';
import { distinctLayers, gatherPrompts, perLayer, promptFields, promptTable, toLayerPrefixes, type PromptDims } from './soft-prompt.ts';

const { nn } = torch;

export const L2P_FORMS = ['prompt', 'prefix', 'ptuning-v2'] as const;
export type L2pForm = (typeof L2P_FORMS)[number];

export const l2pSchema = z
  .object({
    /** What a pool entry is: soft tokens (L2P-PT), layer prefixes (L2P-PreT) or deep prompts (L2P-Pv2). */
    form: z.enum(L2P_FORMS),
    pool: z.number().int().positive().default(100),
    topK: z.number().int().positive().default(5),
    ...promptFields,
    /** Prompt tokens per pool entry (a window gets topK of them: 25 positions by default). */
    length: z.number().int().positive().default(5),
    /** Blocks with prefixes / deep prompts (prefix and ptuning-v2 forms; default all). */
    layers: z.union([z.literal('all'), z.array(z.number().int()).min(1)]).optional(),
    ...poolFields,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.form === 'prompt' && c.layers !== undefined) ctx.addIssue({ code: 'custom', path: ['layers'], message: 'the prompt form has no layers (its prompt goes before the window)' });
    checkPoolConfig(c, ctx, { pretrainKeys: false });
  });
export type L2pConfig = z.infer<typeof l2pSchema>;

/** `model.adapt` of L2P: the keys and the prompt pool. */
export class L2pPool extends KeyPool {
  /** [pool, P, d] (prompt), [pool, P, L', 2, d] (prefix) or [pool, P, L', d] (ptuning-v2). */
  prompt: torch.nn.Parameter;
  dropout: torch.nn.Dropout;

  constructor(
    readonly dims: PromptDims,
    cfg: L2pConfig,
    book: PoolBook,
    /** Resolved block indices (prefix and ptuning-v2 forms). */
    readonly layers: readonly number[],
  ) {
    super(dims.dModel, book);
    distinctLayers(layers, `l2p (${cfg.form})`);
    const d = dims.dModel;
    const shape = cfg.form === 'prompt' ? [cfg.pool, cfg.length, d] : cfg.form === 'prefix' ? [cfg.pool, cfg.length, layers.length, 2, d] : [cfg.pool, cfg.length, layers.length, d];
    this.prompt = promptTable(shape, cfg.init);
    this.dropout = new nn.Dropout(cfg.dropout);
  }

  protected modulationOf(sel: PoolSelection): Modulation {
    return torch.tidy(() => {
      const B = sel.indices.size(0);
      const gathered = this.dropout.forward(gatherPrompts(this.prompt, B, sel.indices)); // [B, k·P, ...]
      if (this.prompt.dim() === 3) return { prompt: gathered };
      if (this.prompt.dim() === 5) return { prefix: toLayerPrefixes(gathered, this.dims, this.layers) };
      return { layerPrompts: perLayer(this.dims.nLayer, this.layers, (j) => gathered.select(2, j)) };
    });
  }
}

registerMethod({
  name: 'l2p',
  description: 'L2P: a pool of 100 (key, prompt) pairs of length 5, top-5 by cosine per window; form prompt (L2P-PT), prefix (L2P-PreT) or ptuning-v2 (L2P-Pv2); the base is frozen',
  schema: l2pSchema,
  create(config): PoolMethod<L2pConfig> {
    const book = new PoolBook(config);
    return {
      name: 'l2p',
      config,
      inject(model) {
        model.freeze();
        const layers = config.form === 'prompt' ? [] : resolveLayers(model, config.layers ?? 'all');
        const adapt = new L2pPool(model.cfg, config, book, layers);
        model.adapt = adapt;
        book.bindParameters([adapt.keys, adapt.prompt]);
      },
      ...poolHooks(book),
    };
  },
});
