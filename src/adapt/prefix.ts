/**
 * Prefix tuning (l2m-spec.md section 3; the original's `DummyPrompt` with `prefix: True`): every
 * chosen layer's attention gets P extra keys and values, learned, before the window's own
 * (`Modulation.prefix`, the original's `past_key_values`). The window attends to them; they are never
 * padding and, with the KV cache, are prepended once per decoded environment step.
 *
 * Parameters, with L' chosen layers:
 * - `reparametrize: false`: the prefixes themselves, `adapt.prompt` [1, P, L', 2, d] (axis 3: key, value).
 * - `reparametrize: true` (default): `adapt.prompt` [1, P, E] through the MLP `adapt.mlp`
 *   Linear(E, E / reduction) -> Tanh -> Linear(E / reduction, 2·L'·d), whose output is read as
 *   [P, L', 2, d]. `embedding: 'kv'` (default) is the original's form: E = 2·L'·d, each prefix
 *   position's embedding as wide as its keys and values of every layer (`hidden_dim = n_layer * 2 *
 *   embed_dim`, `control_trans = Linear(hidden_dim, hidden_dim // reduction_factor), Tanh,
 *   Linear(.., hidden_dim)`, reduction 2: this is the spec's "hidden/2, Tanh"). For the paper's model
 *   that is 85,178,880 trainable parameters (more than the frozen base). `embedding: 'model'` is the
 *   smaller form of Li & Liang and HF PEFT (an embedding of width d; their hidden width is 512 or d,
 *   here d / reduction = 384): 3,862,656 parameters.
 *
 * Init as the original: U(-1, 1) on the prompt table (`dummy.yaml`), PyTorch's Linear default for the
 * MLP. The MLP is applied to the table before it is expanded to the batch (the same values and
 * gradients as expanding first, at 1/B of the cost); it still runs at every `modulate`, i.e. once
 * per decoded environment step (about 4 GFLOP for the original form on the paper's model).
 */
import { z } from 'zod';
import * as torch from '../torch/index.ts';
import type { ModelAdapter, Modulation, WindowContext } from '../model/modulation.ts';
import { resolveLayers } from './inject.ts';
import type { AdaptMethod } from './method.ts';
import { registerMethod } from './registry.ts';
import { distinctLayers, gatherPrompts, layersField, promptFields, promptTable, toLayerPrefixes, type PromptDims } from './soft-prompt.ts';

const { nn } = torch;

export const prefixSchema = z
  .object({
    ...promptFields,
    layers: layersField,
    /** Produce the prefixes with an MLP from a prompt embedding (the MLP trains and is saved with the adapter). */
    reparametrize: z.boolean().default(true),
    /** The MLP's hidden width = its input width / reduction (the original's `reduction_factor`). */
    reduction: z.number().int().positive().default(2),
    /** Width of the embedding the MLP reads: 'kv' = 2·layers·d (the original), 'model' = d. */
    embedding: z.enum(['kv', 'model']).default('kv'),
  })
  .strict();
export type PrefixConfig = z.infer<typeof prefixSchema>;

/** `model.adapt` of prefix tuning. */
export class PrefixTuning extends nn.Module implements ModelAdapter {
  /** [1, P, L', 2, d] without reparametrisation, else [1, P, E]. */
  prompt: torch.nn.Parameter;
  /** Linear(E, E / reduction), Tanh, Linear(E / reduction, 2·L'·d); only with `reparametrize`. */
  mlp?: torch.nn.Sequential;
  dropout: torch.nn.Dropout;

  constructor(
    readonly dims: PromptDims,
    readonly cfg: PrefixConfig,
    /** Resolved block indices, in order. */
    readonly layers: readonly number[],
  ) {
    super();
    distinctLayers(layers, 'prefix');
    const d = dims.dModel;
    const out = 2 * layers.length * d;
    if (cfg.reparametrize) {
      const E = cfg.embedding === 'kv' ? out : d;
      const hidden = Math.floor(E / cfg.reduction);
      if (hidden < 1) throw new Error(`prefix: reduction ${cfg.reduction} leaves no hidden unit for an embedding of width ${E}`);
      this.prompt = promptTable([1, cfg.length, E], cfg.init);
      this.mlp = new nn.Sequential(new nn.Linear(E, hidden), new nn.Tanh(), new nn.Linear(hidden, out));
    } else {
      this.prompt = promptTable([1, cfg.length, layers.length, 2, d], cfg.init);
    }
    this.dropout = new nn.Dropout(cfg.dropout);
  }

  modulate(ctx: WindowContext): Modulation {
    return torch.tidy(() => {
      const [, P] = this.prompt.shape as [number, number];
      const table = this.mlp ? this.mlp.forward(this.prompt).view([1, P, this.layers.length, 2, this.dims.dModel]) : this.prompt;
      const kv = this.dropout.forward(gatherPrompts(table, ctx.tokens.size(0))); // [B, P, L', 2, d]
      return { prefix: toLayerPrefixes(kv, this.dims, this.layers) };
    });
  }
}

registerMethod({
  name: 'prefix',
  description: 'prefix tuning: 25 learned keys/values per layer, from an MLP re-parameterisation; the base is frozen',
  schema: prefixSchema,
  create(config): AdaptMethod<PrefixConfig> {
    return {
      name: 'prefix',
      config,
      inject(model) {
        model.freeze();
        model.adapt = new PrefixTuning(model.cfg, config, resolveLayers(model, config.layers));
      },
    };
  },
});
