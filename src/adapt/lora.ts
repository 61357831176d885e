/**
 * LoRA as the original applies it (l2m-spec.md sections 3-4): rank r, scale alpha / r, on Q and V of
 * GPT-2's fused `c_attn` (K untouched unless asked), and on the FFN as a residual low-rank map of the
 * 3072-d `c_fc` output, u + s·(u A B), equivalent to W_fc ← W_fc (I + s·A B). A = Kaiming-uniform
 * (PEFT's bound 1/sqrt(fan_in) per matrix), B = 0, so an attached LoRA starts as the identity.
 *
 * Each factor has a leading pool axis of R rows; a window uses the row its modulation names
 * (`Modulation.rows`). Plain LoRA has R = 1; L2M's pool (`l2m.ts`) reuses these layers with R = 30.
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

function factor(shape: number[], bound: number | 0): torch.nn.Parameter {
  return torch.noGrad(() => torch.tidy(() => new nn.Parameter(bound === 0 ? torch.zeros(shape) : torch.empty(shape).uniform_(-bound, bound))));
}

/** x [B, T, in] through the low-rank map of each window's row: [B, T, out]. */
export function lowRank(x: Tensor, A: Tensor, B: Tensor, mod?: Modulation): Tensor {
  return torch.tidy(() => {
    if (A.size(0) === 1) return x.matmul(A.select(0, 0)).matmul(B.select(0, 0));
    const rows = mod?.rows;
    if (!rows) throw new Error('LoRA pool: the modulation names no row per window (Modulation.rows)');
    return x.matmul(A.indexSelect(0, rows)).matmul(B.indexSelect(0, rows));
  });
}

/** Which of c_attn's three d-wide output slices (q, k, v) get a low-rank update. */
export type QKV = { q: boolean; k: boolean; v: boolean };

/** c_attn with LoRA on chosen slices of its fused [q | k | v] output. */
export class LoraAttention extends nn.Linear {
  lora_A_q?: torch.nn.Parameter;
  lora_B_q?: torch.nn.Parameter;
  lora_A_k?: torch.nn.Parameter;
  lora_B_k?: torch.nn.Parameter;
  lora_A_v?: torch.nn.Parameter;
  lora_B_v?: torch.nn.Parameter;

  constructor(
    base: torch.nn.Linear,
    readonly slices: QKV,
    readonly rank: number,
    readonly scale: number,
    rows = 1,
    bound = 1 / Math.sqrt(base.inFeatures),
  ) {
    super(base.inFeatures, base.outFeatures, { adopt: base });
    const d = base.outFeatures / 3;
    for (const s of ['q', 'k', 'v'] as const) {
      if (!slices[s]) continue;
      this[`lora_A_${s}`] = factor([rows, base.inFeatures, rank], bound);
      this[`lora_B_${s}`] = factor([rows, rank, d], 0);
    }
  }

  override forward(x: Tensor, mod?: Modulation): Tensor {
    return torch.tidy(() => {
      const y = super.forward(x);
      const d = this.outFeatures / 3;
      const parts = (['q', 'k', 'v'] as const).map((s) => {
        const A = this[`lora_A_${s}`];
        const B = this[`lora_B_${s}`];
        return A && B ? lowRank(x, A, B, mod).mul(this.scale) : null;
      });
      if (parts.every((p) => p === null)) return y;
      const zero = torch.zerosLike(y.narrow(-1, 0, d));
      return y.add(torch.cat(parts.map((p) => p ?? zero), -1));
    });
  }

  /** Folds row 0 into the weight: W[slice] += s·(A B)^T. */
  mergeInto(): torch.nn.Linear {
    const d = this.outFeatures / 3;
    torch.noGrad(() =>
      torch.tidy(() => {
        (['q', 'k', 'v'] as const).forEach((s, i) => {
          const A = this[`lora_A_${s}`];
          const B = this[`lora_B_${s}`];
          if (A && B) this.weight.narrow(0, i * d, d).add_(A.select(0, 0).matmul(B.select(0, 0)).t().mul(this.scale));
        });
      }),
    );
    return new nn.Linear(this.inFeatures, this.outFeatures, { adopt: this });
  }
}

/** c_fc with the original's FFN LoRA: u = c_fc(x); u + s·(u A B), A [dInner, r], B [r, dInner]. */
export class LoraResidual extends nn.Linear {
  lora_A: torch.nn.Parameter;
  lora_B: torch.nn.Parameter;

  constructor(
    base: torch.nn.Linear,
    readonly rank: number,
    readonly scale: number,
    rows = 1,
    bound = 1 / Math.sqrt(base.outFeatures),
  ) {
    super(base.inFeatures, base.outFeatures, { adopt: base });
    this.lora_A = factor([rows, base.outFeatures, rank], bound);
    this.lora_B = factor([rows, rank, base.outFeatures], 0);
  }

  override forward(x: Tensor, mod?: Modulation): Tensor {
    return torch.tidy(() => {
      const u = super.forward(x);
      return u.add(lowRank(u, this.lora_A, this.lora_B, mod).mul(this.scale));
    });
  }

  /** W' = W + s·(A B)^T W and b' = b + s·b A B (row 0). */
  mergeInto(): torch.nn.Linear {
    torch.noGrad(() =>
      torch.tidy(() => {
        const AB = this.lora_A.select(0, 0).matmul(this.lora_B.select(0, 0)).mul(this.scale); // [out, out]
        this.weight.add_(AB.t().matmul(this.weight));
        if (this.bias) this.bias.add_(this.bias.unsqueeze(0).matmul(AB).squeeze(0));
      }),
    );
    return new nn.Linear(this.inFeatures, this.outFeatures, { adopt: this });
  }
}

/** LoRA's settings, shared with L2M's pool of LoRAs (`l2m.ts`). */
export const loraFields = {
  rank: z.number().int().positive().default(8),
  /** Scale = alpha / rank (the original: alpha = 2 r, scale 2). */
  alpha: z.number().positive().default(16),
  q: z.boolean().default(true),
  k: z.boolean().default(false),
  v: z.boolean().default(true),
  /** The FFN's residual low-rank map on the c_fc output (`mod_ff`). */
  ffn: z.boolean().default(true),
  /** Blocks to modulate: 'all' or indices (negative = from the end). */
  layers: z.union([z.literal('all'), z.array(z.number().int())]).default('all'),
};
export const loraSchema = z.object(loraFields).strict();
export type LoraConfig = z.infer<typeof loraSchema>;

/** Wraps the chosen layers of `model` with LoRA of `rows` pool rows; returns the wrappers. */
export function injectLora(model: DecisionTransformer, cfg: LoraConfig, rows = 1, bounds?: { attention: number; ffn: number }): (LoraAttention | LoraResidual)[] {
  if (!cfg.q && !cfg.k && !cfg.v && !cfg.ffn) throw new Error('lora: nothing to modulate (q, k, v and ffn are all false)');
  const scale = cfg.alpha / cfg.rank;
  const layers = resolveLayers(model, cfg.layers);
  const out: (LoraAttention | LoraResidual)[] = [];
  if (cfg.q || cfg.k || cfg.v) {
    out.push(...wrapLinears(model, layers.map((l) => `blocks.${l}.attn.c_attn`), (base) => new LoraAttention(base, { q: cfg.q, k: cfg.k, v: cfg.v }, cfg.rank, scale, rows, bounds?.attention)));
  }
  if (cfg.ffn) out.push(...wrapLinears(model, layers.map((l) => `blocks.${l}.mlp.c_fc`), (base) => new LoraResidual(base, cfg.rank, scale, rows, bounds?.ffn)));
  return out;
}

/** Replaces every LoRA wrapper by a plain Linear holding the merged weights. */
export function mergeLora(model: DecisionTransformer): void {
  for (const [name, m] of [...model.namedModules()]) {
    if (m instanceof LoraAttention || m instanceof LoraResidual) {
      if ((m instanceof LoraAttention ? [m.lora_A_q, m.lora_A_k, m.lora_A_v].find((a) => a) : m.lora_A)!.size(0) !== 1) throw new Error(`${name}: a LoRA pool of several rows cannot be merged into one set of weights`);
      const merged = m.mergeInto();
      for (const [, p] of m.namedParameters()) if (p !== m.weight && p !== m.bias) p.dispose();
      model.setSubmodule(name, merged);
    }
  }
}

registerMethod({
  name: 'lora',
  description: 'LoRA (rank 8, alpha 16) on Q, V and the FFN of every block; the base is frozen',
  schema: loraSchema,
  create(config): AdaptMethod<LoraConfig> {
    return {
      name: 'lora',
      config,
      inject(model) {
        model.freeze();
        injectLora(model, config);
      },
      merge: mergeLora,
    };
  },
});
