/**
 * Houlsby adapters as the original applies them (l2m-spec.md section 3; `models/adapter.py`,
 * `decision_transformer_with_adapter.py`): two per block, one on the attention output and one on the
 * MLP output, before the residual add: y + up(swish(down(y))), bottleneck d / reductionFactor
 * (768 / 16 = 48), scaling 1, no layer norms, no gating. The base is frozen except the adapters
 * (the original's `freeze_kwargs.exclude_adapters`).
 *
 * Initialisation: `bert` (the original's default): every adapter weight N(0, 0.02), biases 0. This is
 * NOT the identity: up(swish(down(y))) is small but nonzero from the start. `mam_adapter` (the
 * original's other option): down Kaiming-uniform(a = sqrt 5), up weight 0, biases 0, an exact identity.
 *
 * Placement: the adapter wraps `c_proj` of the attention and of the MLP (`blocks.i.attn.c_proj.adapter_down`,
 * ...). In the original it acts on the branch output *after* its residual dropout
 * (`adapter(dropout(c_proj(y)))`, as adapter-hub's BERT does), so the wrapper applies that dropout
 * itself and the block's own dropout module is replaced by one of p = 0 (it holds no tensors).
 * Per-window pool rows are not used (R = 1). Adapters cannot be merged into the base.
 */
import { z } from 'zod';
import * as torch from '../torch/index.ts';
import type { Tensor } from '../torch/index.ts';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import type { Modulation } from '../model/modulation.ts';
import { resolveLayers, wrapLinears } from './inject.ts';
import type { AdaptMethod } from './method.ts';
import { registerMethod } from './registry.ts';

const { nn, F } = torch;

export type AdapterInit = 'bert' | 'mam_adapter';

/** A block's output projection followed by its residual dropout and a bottleneck adapter. */
export class AdapterLinear extends nn.Linear {
  adapter_down: torch.nn.Linear;
  adapter_up: torch.nn.Linear;

  constructor(
    base: torch.nn.Linear,
    bottleneck: number,
    /** The residual dropout this wrapper applies before its adapter (the block's own is set to 0). */
    readonly dropoutP: number,
    init: AdapterInit = 'bert',
  ) {
    super(base.inFeatures, base.outFeatures, { adopt: base });
    const d = base.outFeatures;
    this.adapter_down = new nn.Linear(d, bottleneck);
    this.adapter_up = new nn.Linear(bottleneck, d);
    torch.noGrad(() => {
      if (init === 'bert') {
        nn.init.normal_(this.adapter_down.weight, 0, 0.02);
        nn.init.normal_(this.adapter_up.weight, 0, 0.02);
      } else {
        // adapter_down.weight keeps nn.Linear's Kaiming-uniform(a = sqrt 5)
        nn.init.zeros_(this.adapter_up.weight);
      }
      nn.init.zeros_(this.adapter_down.bias!);
      nn.init.zeros_(this.adapter_up.bias!);
    });
  }

  override forward(x: Tensor, _mod?: Modulation): Tensor {
    return torch.tidy(() => {
      const y = F.dropout(super.forward(x), this.dropoutP, this.training);
      return y.add(this.adapter_up.forward(F.silu(this.adapter_down.forward(y))));
    });
  }
}

export const adapterSchema = z
  .object({
    /** Bottleneck = floor(d / reductionFactor), at least 1 (the original: 16, so 48 at d = 768). */
    reductionFactor: z.number().positive().optional(),
    /** The bottleneck width itself (instead of reductionFactor). */
    bottleneck: z.number().int().positive().optional(),
    /** 'bert' (the original's default; not the identity) or 'mam_adapter' (up = 0: the identity at start). */
    init: z.enum(['bert', 'mam_adapter']).default('bert'),
    /** The adapter on the attention output. */
    attention: z.boolean().default(true),
    /** The adapter on the MLP output. */
    ffn: z.boolean().default(true),
    /** Blocks that get adapters: 'all' or indices (negative = from the end). */
    layers: z.union([z.literal('all'), z.array(z.number().int())]).default('all'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.reductionFactor !== undefined && c.bottleneck !== undefined) ctx.addIssue({ code: 'custom', path: ['bottleneck'], message: 'give either bottleneck or reductionFactor, not both' });
    if (!c.attention && !c.ffn) ctx.addIssue({ code: 'custom', path: ['attention'], message: 'nothing to modulate: attention and ffn are both false' });
    else if (Array.isArray(c.layers) && c.layers.length === 0) ctx.addIssue({ code: 'custom', path: ['layers'], message: 'nothing to modulate: no layer is given' });
  })
  .transform((c) => (c.bottleneck === undefined && c.reductionFactor === undefined ? { ...c, reductionFactor: 16 } : c));
export type AdapterConfig = z.infer<typeof adapterSchema>;

/** The bottleneck width for a model width `d`. */
export function adapterBottleneck(cfg: AdapterConfig, d: number): number {
  return cfg.bottleneck ?? Math.max(1, Math.floor(d / (cfg.reductionFactor ?? 16)));
}

/** Puts adapters after the attention and/or MLP output projections of the chosen blocks; returns them. */
export function injectAdapters(model: DecisionTransformer, cfg: AdapterConfig): AdapterLinear[] {
  if (!cfg.attention && !cfg.ffn) throw new Error('adapter: nothing to modulate (attention and ffn are both false)');
  const m = adapterBottleneck(cfg, model.cfg.dModel);
  const out: AdapterLinear[] = [];
  for (const l of resolveLayers(model, cfg.layers)) {
    const blk = model.blocks[l]!;
    const sites: [string, torch.nn.Dropout][] = [];
    if (cfg.attention) sites.push([`blocks.${l}.attn`, blk.attn.resid_dropout]);
    if (cfg.ffn) sites.push([`blocks.${l}.mlp`, blk.mlp.dropout]);
    for (const [at, drop] of sites) {
      out.push(...wrapLinears(model, [`${at}.c_proj`], (base) => new AdapterLinear(base, m, drop.p, cfg.init)));
      model.setSubmodule(`${at}.${at.endsWith('attn') ? 'resid_dropout' : 'dropout'}`, new nn.Dropout(0));
    }
  }
  return out;
}

registerMethod({
  name: 'adapter',
  description: 'Houlsby adapters (bottleneck d/16, swish, BERT init) after the attention and the MLP of every block; the base is frozen',
  schema: adapterSchema,
  create(config): AdaptMethod<AdapterConfig> {
    return {
      name: 'adapter',
      config,
      inject(model) {
        model.freeze();
        injectAdapters(model, config);
      },
    };
  },
});
