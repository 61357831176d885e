/**
 * GPT-2 blocks as Hugging Face's GPT2Model builds them (pre-LN: x + attn(ln_1 x), x + mlp(ln_2 x)),
 * with exact GELU, dropout on attention weights and residual branches, and an optional key/value
 * cache so that decoding one more token costs one incremental pass.
 */
import * as torch from '../torch/index.ts';
import { Tensor } from '../torch/index.ts';
import type { Modulation } from './modulation.ts';

const { nn, F } = torch;

export interface GPT2Config {
  nLayer: number;
  nHead: number;
  dModel: number;
  /** MLP width (GPT-2: 4 * dModel). */
  dInner: number;
  /** Dropout on embeddings, attention weights and residual branches (HF: embd/attn/resid_pdrop). */
  dropout: number;
  layerNormEps: number;
}

/**
 * Keys and values of the tokens already seen, per layer: [B, heads, len, headDim]; or, filled by the
 * native pass (`F.preLnBlocks`), its buffers (keys transposed, with room), of which `len` tokens are valid.
 */
export interface LayerCache {
  k: Tensor | null;
  v: Tensor | null;
  /** Set by the native pass: the tokens in its buffers. Absent: an op-by-op cache. */
  len?: number;
  /** Tokens the caller will still append after the first pass (room the native pass reserves). */
  reserve?: number;
}

export interface BlockInputs {
  /** [B, kLen] bool, true = padding key (never attended). kLen counts cached tokens and prefixes too. */
  keyPaddingMask?: Tensor;
  cache?: LayerCache;
  /** The window's modulation (see modulation.ts), read by wrapped layers and for this layer's prefix. */
  mod?: Modulation;
  /** This block's index (selects the modulation's per-layer prefix). */
  layer?: number;
  /** Set by the block: this layer's deep prompt after ln_1 (see `Modulation.layerPrompts`). */
  normedPrompt?: Tensor;
}

/**
 * A linear layer inside a block: `nn.Linear`, or a method's wrapper of it (LoRA, (IA)3, adapters),
 * which keeps the Linear's own `weight` and `bias` and reads per-sample rows from the modulation.
 */
export type BlockLinear = torch.nn.Linear & { forward(x: Tensor, mod?: Modulation): Tensor };

export class Attention extends nn.Module {
  c_attn: BlockLinear;
  c_proj: BlockLinear;
  attn_dropout: torch.nn.Dropout;
  resid_dropout: torch.nn.Dropout;

  constructor(readonly cfg: GPT2Config) {
    super();
    if (cfg.dModel % cfg.nHead !== 0) throw new Error(`GPT2: dModel ${cfg.dModel} is not divisible by nHead ${cfg.nHead}`);
    this.c_attn = new nn.Linear(cfg.dModel, 3 * cfg.dModel);
    this.c_proj = new nn.Linear(cfg.dModel, cfg.dModel);
    this.attn_dropout = new nn.Dropout(cfg.dropout);
    this.resid_dropout = new nn.Dropout(cfg.dropout);
  }

  forward(x: Tensor, inputs: BlockInputs = {}): Tensor {
    return torch.tidy(() => {
      const { mod, layer = 0 } = inputs;
      const [q, k0, v0] = this.c_attn.forward(x, mod).split(this.cfg.dModel, -1) as [Tensor, Tensor, Tensor];
      let k = F.splitHeads(k0, this.cfg.nHead);
      let v = F.splitHeads(v0, this.cfg.nHead);
      const cache = inputs.cache;
      // A prefix is prepended once: on the first pass, or on every pass without a cache.
      if (!cache?.k) {
        const prefix = this.prefixFor(inputs);
        if (prefix) {
          k = torch.cat([prefix.k, k], 2);
          v = torch.cat([prefix.v, v], 2);
        }
      }
      if (cache) {
        if (cache.len !== undefined) throw new Error('GPT-2 attention: this key/value cache was filled by the native pass (F.preLnBlocks, its own layout); continue it with the same model settings, not op by op');
        if (cache.k && cache.v) {
          k = torch.cat([cache.k, k], 2);
          v = torch.cat([cache.v, v], 2);
        }
        cache.k?.dispose();
        cache.v?.dispose();
        cache.k = torch.keep(k);
        cache.v = torch.keep(v);
      }
      const y = F.scaledDotProductAttention(F.splitHeads(q, this.cfg.nHead), k, v, {
        causal: true,
        keyPaddingMask: inputs.keyPaddingMask,
        dropout: this.cfg.dropout,
        training: this.training,
      });
      return this.resid_dropout.forward(this.c_proj.forward(F.mergeHeads(y), mod));
    });
  }

  /** This layer's key/value prefix: given directly, or made from a deep prompt by this layer's own c_attn. */
  private prefixFor({ mod, layer = 0, normedPrompt }: BlockInputs): { k: Tensor; v: Tensor } | undefined {
    const given = mod?.prefix?.[layer];
    if (given && normedPrompt) throw new Error(`layer ${layer}: a modulation may give a prefix or a deep prompt, not both`);
    if (given) return given;
    if (!normedPrompt) return undefined;
    const [, k, v] = this.c_attn.forward(normedPrompt, mod).split(this.cfg.dModel, -1) as [Tensor, Tensor, Tensor];
    return { k: F.splitHeads(k, this.cfg.nHead), v: F.splitHeads(v, this.cfg.nHead) };
  }
}

export class MLP extends nn.Module {
  c_fc: BlockLinear;
  c_proj: BlockLinear;
  dropout: torch.nn.Dropout;

  constructor(cfg: GPT2Config) {
    super();
    this.c_fc = new nn.Linear(cfg.dModel, cfg.dInner);
    this.c_proj = new nn.Linear(cfg.dInner, cfg.dModel);
    this.dropout = new nn.Dropout(cfg.dropout);
  }

  forward(x: Tensor, mod?: Modulation): Tensor {
    return torch.tidy(() => this.dropout.forward(this.c_proj.forward(F.gelu(this.c_fc.forward(x, mod)), mod)));
  }
}

export class Block extends nn.Module {
  ln_1: torch.nn.LayerNorm;
  attn: Attention;
  ln_2: torch.nn.LayerNorm;
  mlp: MLP;

  constructor(cfg: GPT2Config) {
    super();
    this.ln_1 = new nn.LayerNorm(cfg.dModel, cfg.layerNormEps);
    this.attn = new Attention(cfg);
    this.ln_2 = new nn.LayerNorm(cfg.dModel, cfg.layerNormEps);
    this.mlp = new MLP(cfg);
  }

  forward(x: Tensor, inputs: BlockInputs = {}): Tensor {
    return torch.tidy(() => {
      // A deep prompt is prepended once, like a prefix: not again on cached passes.
      const prompt = inputs.cache?.k ? undefined : inputs.mod?.layerPrompts?.[inputs.layer ?? 0];
      const normedPrompt = prompt ? this.ln_1.forward(prompt) : undefined;
      const h = x.add(this.attn.forward(this.ln_1.forward(x), normedPrompt ? { ...inputs, normedPrompt } : inputs));
      return h.add(this.mlp.forward(this.ln_2.forward(h), inputs.mod));
    });
  }
}

const plainLinear = (m: unknown): m is torch.nn.Linear => Object.getPrototypeOf(m) === nn.Linear.prototype && (m as torch.nn.Linear).bias !== null;
const plainLayerNorm = (m: unknown, eps: number): m is torch.nn.LayerNorm =>
  Object.getPrototypeOf(m) === nn.LayerNorm.prototype && (m as torch.nn.LayerNorm).eps === eps && (m as torch.nn.LayerNorm).weight !== null && (m as torch.nn.LayerNorm).bias !== null;

/**
 * The parameters of `blocks` in `F.preLnBlocks`'s order, when every block is exactly this file's
 * (plain Linear and LayerNorm layers, as built: no method's wrapper or replacement), else undefined.
 */
export function plainBlockParams(blocks: readonly Block[], eps: number): Tensor[] | undefined {
  const out: Tensor[] = [];
  for (const b of blocks) {
    if (Object.getPrototypeOf(b) !== Block.prototype || Object.getPrototypeOf(b.attn) !== Attention.prototype || Object.getPrototypeOf(b.mlp) !== MLP.prototype) return undefined;
    const { ln_1, ln_2 } = b;
    const { c_attn, c_proj } = b.attn;
    const { c_fc, c_proj: m_proj } = b.mlp;
    if (!plainLayerNorm(ln_1, eps) || !plainLayerNorm(ln_2, eps)) return undefined;
    if (!plainLinear(c_attn) || !plainLinear(c_proj) || !plainLinear(c_fc) || !plainLinear(m_proj)) return undefined;
    out.push(ln_1.weight!, ln_1.bias!, c_attn.weight, c_attn.bias!, c_proj.weight, c_proj.bias!, ln_2.weight!, ln_2.bias!, c_fc.weight, c_fc.bias!, m_proj.weight, m_proj.bias!);
  }
  return out;
}

/**
 * Hugging Face's GPT-2 initialisation: Linear and Embedding weights N(0, 0.02), biases 0, LayerNorm
 * 1/0, and residual projections (`c_proj.weight`) N(0, 0.02 / sqrt(2 * nLayer)).
 */
export function initGPT2Weights(module: torch.nn.Module, nLayer: number, std = 0.02): void {
  torch.noGrad(() => {
    for (const [name, p] of module.namedParameters()) {
      if (name.endsWith('c_proj.weight')) p.normal_(0, std / Math.sqrt(2 * nLayer));
      else if (name.endsWith('.bias')) p.zero_();
      else if (/(^|\.)ln_[^.]*\.weight$|(^|\.)embed_ln\.weight$/.test(name)) p.fill_(1);
      else p.normal_(0, std);
    }
  });
}
