/**
 * (IA)3 as the original applies it (l2m-spec.md section 3; `prompt/ia3.py`, `MLPIA3`, `AttentionIA3`):
 * per block, learned vectors initialised to 1 that scale K (d) and V (d) of GPT-2's fused `c_attn`
 * output and the FFN hidden after GELU (dInner, `ia3_lff_pre=False`), here as a scale on the input of
 * `mlp.c_proj`. Optionally (`embeddings`, the original's `mod_embeds`) four more vectors scale the
 * state, return, action and reward token embeddings.
 *
 * Where the embedding vectors act: the original multiplies the embeddings *after* the timestep
 * embedding was added and before `embed_ln` (`MultiPromptDTModel.modulate_embeddings` receives the
 * outputs of `add_pos_embeddings`), i.e. `embed_ln((token + time) * v_type)`. The time embedding is
 * shared by all token types, so this cannot be folded into the base weights: `merge` refuses a model
 * with embedding vectors. The vectors sit on a wrapper of `embed_ln` (`embed_ln.ia3_state`, ...),
 * which sees every window as [B, K * tokensPerStep, d] (`embedTokens`) and a single action token as
 * [B, d] (`embedActionToken`, cached decoding).
 *
 * Block vectors have a leading pool axis of R rows; a window uses the row its modulation names
 * (`Modulation.rows`). Plain (IA)3 has R = 1; L2M-(IA)3's pool reuses these layers with R = 30.
 * Embedding vectors have R = 1 only: a pool's rows are chosen from the embeddings themselves.
 */
import { z } from 'zod';
import * as torch from '../torch/index.ts';
import type { Tensor } from '../torch/index.ts';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import type { Modulation } from '../model/modulation.ts';
import { resolveLayers, wrapLinears } from './inject.ts';
import type { AdaptMethod } from './method.ts';
import { registerMethod } from './registry.ts';

const { nn } = torch;

function ones(shape: number[]): torch.nn.Parameter {
  return torch.noGrad(() => torch.tidy(() => new nn.Parameter(torch.ones(shape))));
}

/**
 * The factor an [R, n] vector set gives a batch whose inputs have `ndim` dims ([.., n] last): [n] for
 * R = 1, else each window's row, [B, 1, n] (3-D inputs) or [B, n] (2-D).
 */
export function rowScale(vec: Tensor, mod: Modulation | undefined, ndim: number): Tensor {
  return torch.tidy(() => {
    if (vec.size(0) === 1) return vec.select(0, 0);
    const rows = mod?.rows;
    if (!rows) throw new Error('(IA)3 pool: the modulation names no row per window (Modulation.rows)');
    const v = vec.indexSelect(0, rows);
    return ndim === 3 ? v.unsqueeze(1) : v;
  });
}

/** c_attn with (IA)3 vectors on the K and/or V slices of its fused [q | k | v] output. */
export class Ia3Attention extends nn.Linear {
  ia3_k?: torch.nn.Parameter;
  ia3_v?: torch.nn.Parameter;

  constructor(base: torch.nn.Linear, slices: { k: boolean; v: boolean }, rows = 1) {
    super(base.inFeatures, base.outFeatures, { adopt: base });
    const d = base.outFeatures / 3;
    if (slices.k) this.ia3_k = ones([rows, d]);
    if (slices.v) this.ia3_v = ones([rows, d]);
  }

  override forward(x: Tensor, mod?: Modulation): Tensor {
    return torch.tidy(() => {
      const y = super.forward(x);
      const d = this.outFeatures / 3;
      const k = this.ia3_k ? y.narrow(-1, d, d).mul(rowScale(this.ia3_k, mod, y.dim())) : y.narrow(-1, d, d);
      const v = this.ia3_v ? y.narrow(-1, 2 * d, d).mul(rowScale(this.ia3_v, mod, y.dim())) : y.narrow(-1, 2 * d, d);
      return torch.cat([y.narrow(-1, 0, d), k, v], -1);
    });
  }

  /** Folds row 0 into the layer: the K and V rows of W and b scaled by their vectors. */
  mergeInto(): torch.nn.Linear {
    const d = this.outFeatures / 3;
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const [i, vec] of [[1, this.ia3_k] as const, [2, this.ia3_v] as const]) {
          if (!vec) continue;
          const l = vec.select(0, 0);
          this.weight.narrow(0, i * d, d).mul_(l.unsqueeze(1));
          this.bias?.narrow(0, i * d, d).mul_(l);
        }
      }),
    );
    return new nn.Linear(this.inFeatures, this.outFeatures, { adopt: this });
  }
}

/** mlp.c_proj with its input (the GELU output) scaled by a learned vector: c_proj(x * l). */
export class Ia3Input extends nn.Linear {
  ia3_ffn: torch.nn.Parameter;

  constructor(base: torch.nn.Linear, rows = 1) {
    super(base.inFeatures, base.outFeatures, { adopt: base });
    this.ia3_ffn = ones([rows, base.inFeatures]);
  }

  override forward(x: Tensor, mod?: Modulation): Tensor {
    return torch.tidy(() => super.forward(x.mul(rowScale(this.ia3_ffn, mod, x.dim()))));
  }

  /** W' = W diag(l) (row 0): the columns of W scaled; the bias is unchanged. */
  mergeInto(): torch.nn.Linear {
    torch.noGrad(() => torch.tidy(() => this.weight.mul_(this.ia3_ffn.select(0, 0).unsqueeze(0))));
    return new nn.Linear(this.inFeatures, this.outFeatures, { adopt: this });
  }
}

/**
 * embed_ln with the original's `mod_embeds`: embed_ln((token + time) * v_type), one vector per token
 * type (state, return-to-go, action, reward), [1, d] each.
 */
export class Ia3Embeddings extends nn.LayerNorm {
  ia3_state: torch.nn.Parameter;
  ia3_return: torch.nn.Parameter;
  ia3_action: torch.nn.Parameter;
  ia3_reward: torch.nn.Parameter;

  constructor(
    base: torch.nn.LayerNorm,
    /** Action tokens per timestep (the token layout is [s, R, a^1..a^A, r]). */
    readonly actionTokens: number,
  ) {
    super(base.normalizedShape, base.eps, { adopt: base });
    const d = base.normalizedShape[base.normalizedShape.length - 1]!;
    this.ia3_state = ones([1, d]);
    this.ia3_return = ones([1, d]);
    this.ia3_action = ones([1, d]);
    this.ia3_reward = ones([1, d]);
  }

  override forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      if (x.dim() === 2) return super.forward(x.mul(this.ia3_action.select(0, 0))); // one action token [B, d]
      const T = this.actionTokens + 3;
      const [B, L, d] = x.shape as [number, number, number];
      if (x.dim() !== 3 || L % T !== 0) throw new Error(`(IA)3 embeddings: expected a window [B, K * ${T}, d] or one action token [B, d], got [${x.shape.join(', ')}]`);
      const perType = torch.cat([this.ia3_state, this.ia3_return, this.ia3_action.expand([this.actionTokens, d]), this.ia3_reward], 0); // [T, d]
      return super.forward(x.view([B, L / T, T, d]).mul(perType).view([B, L, d]));
    });
  }
}

export const ia3Schema = z
  .object({
    /** Scale the keys (the original's default: on). */
    k: z.boolean().default(true),
    /** Scale the values. */
    v: z.boolean().default(true),
    /** Scale the FFN hidden after GELU (the input of mlp.c_proj). */
    ffn: z.boolean().default(true),
    /** The original's `mod_embeds`: scale the state, return, action and reward embeddings (token + time). */
    embeddings: z.boolean().default(false),
    /** Blocks to modulate: 'all' or indices (negative = from the end). */
    layers: z.union([z.literal('all'), z.array(z.number().int())]).default('all'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.k && !c.v && !c.ffn && !c.embeddings) ctx.addIssue({ code: 'custom', path: ['k'], message: 'nothing to modulate: k, v, ffn and embeddings are all false' });
    else if (!c.embeddings && Array.isArray(c.layers) && c.layers.length === 0) ctx.addIssue({ code: 'custom', path: ['layers'], message: 'nothing to modulate: no layer is given and embeddings is false' });
  });
export type Ia3Config = z.infer<typeof ia3Schema>;

export type Ia3Layer = Ia3Attention | Ia3Input | Ia3Embeddings;

/** Wraps the chosen layers of `model` with (IA)3 vectors of `rows` pool rows (all 1); returns the wrappers. */
export function injectIa3(model: DecisionTransformer, cfg: Ia3Config, rows = 1): Ia3Layer[] {
  if (!cfg.k && !cfg.v && !cfg.ffn && !cfg.embeddings) throw new Error('ia3: nothing to modulate (k, v, ffn and embeddings are all false)');
  if (cfg.embeddings && rows !== 1) throw new Error('ia3: embedding vectors cannot have pool rows (a pool row is chosen from the embeddings)');
  const layers = resolveLayers(model, cfg.layers);
  const out: Ia3Layer[] = [];
  if (cfg.k || cfg.v) out.push(...wrapLinears(model, layers.map((l) => `blocks.${l}.attn.c_attn`), (base) => new Ia3Attention(base, { k: cfg.k, v: cfg.v }, rows)));
  if (cfg.ffn) out.push(...wrapLinears(model, layers.map((l) => `blocks.${l}.mlp.c_proj`), (base) => new Ia3Input(base, rows)));
  if (cfg.embeddings) {
    const e = new Ia3Embeddings(model.embed_ln, model.cfg.maxActDim);
    model.setSubmodule('embed_ln', e);
    out.push(e);
  }
  return out;
}

/** Replaces every (IA)3 wrapper by a plain Linear holding the scaled weights (block vectors only). */
export function mergeIa3(model: DecisionTransformer): void {
  const wrappers = [...model.namedModules()].filter((e): e is [string, Ia3Attention | Ia3Input | Ia3Embeddings] => e[1] instanceof Ia3Attention || e[1] instanceof Ia3Input || e[1] instanceof Ia3Embeddings);
  for (const [name, m] of wrappers) {
    if (m instanceof Ia3Embeddings) throw new Error(`${name}: (IA)3 embedding vectors cannot be merged: they scale token + timestep embeddings (as the original's mod_embeds), and the timestep embedding is shared by every token type`);
    const vec = m instanceof Ia3Attention ? (m.ia3_k ?? m.ia3_v)! : m.ia3_ffn;
    if (vec.size(0) !== 1) throw new Error(`${name}: an (IA)3 pool of several rows cannot be merged into one set of weights`);
  }
  for (const [name, m] of wrappers) {
    const w = m as Ia3Attention | Ia3Input;
    const merged = w.mergeInto();
    for (const [, p] of w.namedParameters()) if (p !== w.weight && p !== w.bias) p.dispose();
    model.setSubmodule(name, merged);
  }
}

registerMethod({
  name: 'ia3',
  description: '(IA)3: learned scales (init 1) on K, V and the FFN hidden of every block, optionally the token embeddings; the base is frozen',
  schema: ia3Schema,
  create(config): AdaptMethod<Ia3Config> {
    return {
      name: 'ia3',
      config,
      inject(model) {
        model.freeze();
        injectIa3(model, config);
      },
      merge: mergeIa3,
    };
  },
});
