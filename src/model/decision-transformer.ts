/**
 * The multi-domain Decision Transformer (MDDT) of L2M: one GPT-2 over every task of both domains.
 *
 * Each timestep t is 3 + maxActDim tokens, interleaved timestep-major:
 *   [ s_t, R_t, a_t^1 ... a_t^maxActDim, r_t ]
 * states in the shared 204-d layout (Linear), return-to-go and reward (Linear on the scaled scalar),
 * one token per action dimension (Embedding of 64 MinMax bins + a padding token). Every token gets the
 * absolute-timestep embedding, then `embed_ln`, then GPT-2's `wpe[0]` (position ids are all zero in the
 * original, so order comes from the timestep embedding and the causal mask alone), then dropout.
 * The hidden state at R_t predicts a^1 and the one at a^i predicts a^(i+1), through one shared head.
 */
import * as torch from '../torch/index.ts';
import { Tensor } from '../torch/index.ts';
import { Block, initGPT2Weights, plainBlockParams, type GPT2Config, type LayerCache } from './gpt2.ts';
import { prefixLength, type ModelAdapter, type Modulation } from './modulation.ts';
import { modelSchema } from './config.ts';

const { nn, F } = torch;

// L2M_NATIVE_BLOCKS=0 runs the blocks op by op (to compare speed or rule the native pass out).
let nativeBlocksOn = process.env.L2M_NATIVE_BLOCKS !== '0';
/**
 * Turns the one-call native pass through the blocks (`F.preLnBlocks`, used in eval mode without
 * modulation) on or off; off runs them op by op. Both give the same bits (tested); benches compare them.
 */
export function setNativeBlocks(on: boolean): void {
  nativeBlocksOn = on;
}

export interface DTConfig extends GPT2Config {
  /** State width (the shared 204-d layout). */
  stateDim: number;
  /** Action dimensions every task is padded to (6). */
  maxActDim: number;
  /** Bins per action dimension (64); token `actionBins` marks padded timesteps. */
  actionBins: number;
  /** Timesteps per context window (K = 5). */
  contextLength: number;
  /** Rows of the absolute-timestep embedding (1000: the longest episode). */
  maxEpisodeLength: number;
  /** Rows of GPT-2's position table (only row 0 is used; 1024 as in HF's config). */
  nPositions: number;
  /**
   * Adds a learned embedding of the action dimension (`embed_act_pos`, the original's `a_pos_embds`) to
   * each action token. Off in the paper's model, whose action tokens carry no dimension index: a
   * position-free GPT-2 must then infer which dimension it is decoding from the causal mask alone,
   * which small models trained briefly fail to learn (they cycle the dimensions; see docs/pretraining.md).
   */
  actionPositionEmbedding?: boolean;
}

export { PAPER_CONFIG } from './config.ts';

/** One context window as tensors. Shapes: B windows of K timesteps. */
export interface DTInputs {
  /** [B, K, stateDim] float32 */
  states: Tensor;
  /** [B, K, maxActDim] int64 action tokens (padded timesteps hold the padding token). */
  actionTokens: Tensor;
  /** [B, K] float32, scaled return-to-go. */
  returnsToGo: Tensor;
  /** [B, K] float32, scaled reward. */
  rewards: Tensor;
  /** [B, K] int64 absolute timesteps. */
  timesteps: Tensor;
  /** [B, K] bool, true for real timesteps (false: left padding). */
  attentionMask: Tensor;
  /** [B] int64 task index of each window (an adaptation method's task numbering); optional. */
  taskIds?: Tensor;
}

export class DecisionTransformer extends nn.Module {
  embed_timestep: torch.nn.Embedding;
  embed_state: torch.nn.Linear;
  embed_return: torch.nn.Linear;
  embed_action: torch.nn.Embedding;
  /** Present only with `actionPositionEmbedding`: one row per action dimension. */
  embed_act_pos?: torch.nn.Embedding;
  embed_reward: torch.nn.Linear;
  embed_ln: torch.nn.LayerNorm;
  wpe: torch.nn.Embedding;
  drop: torch.nn.Dropout;
  blocks: Block[];
  ln_f: torch.nn.LayerNorm;
  action_head: torch.nn.Linear;
  /** An adaptation method's own parameters and its modulation (`src/adapt/`); absent on a plain model. */
  adapt?: ModelAdapter;

  readonly tokensPerStep: number;

  constructor(readonly cfg: DTConfig) {
    super();
    validateConfig(cfg);
    const d = cfg.dModel;
    this.tokensPerStep = cfg.maxActDim + 3;
    this.embed_timestep = new nn.Embedding(cfg.maxEpisodeLength, d);
    this.embed_state = new nn.Linear(cfg.stateDim, d);
    this.embed_return = new nn.Linear(1, d);
    this.embed_action = new nn.Embedding(cfg.actionBins + 1, d, { paddingIdx: cfg.actionBins });
    if (cfg.actionPositionEmbedding) this.embed_act_pos = new nn.Embedding(cfg.maxActDim, d);
    this.embed_reward = new nn.Linear(1, d);
    this.embed_ln = new nn.LayerNorm(d, cfg.layerNormEps);
    this.wpe = new nn.Embedding(cfg.nPositions, d);
    this.drop = new nn.Dropout(cfg.dropout);
    this.blocks = Array.from({ length: cfg.nLayer }, () => new Block(cfg));
    this.ln_f = new nn.LayerNorm(d, cfg.layerNormEps);
    this.action_head = new nn.Linear(d, cfg.actionBins);
    initGPT2Weights(this, cfg.nLayer);
    // The padding token's embedding starts at zero, as nn.Embedding(padding_idx=...) does.
    torch.noGrad(() => torch.tidy(() => this.embed_action.weight.select(0, cfg.actionBins).zero_()));
  }

  /**
   * Token embeddings of a window before GPT-2: [B, K * tokensPerStep, d] = embed_ln(token + time).
   * This is what L2P/L2M read their query from (`WindowContext.tokens`); `embed` adds wpe[0].
   */
  embedTokens(x: DTInputs): Tensor {
    return torch.tidy(() => {
      const [B, K] = x.states.shape as [number, number];
      for (const t of [x.timesteps.max().item(), x.timesteps.min().item()]) {
        if (t < 0 || t >= this.cfg.maxEpisodeLength) throw new Error(`DecisionTransformer: timestep ${t} is outside the timestep embedding [0, ${this.cfg.maxEpisodeLength}) (model.maxEpisodeLength)`);
      }
      const time = this.embed_timestep.forward(x.timesteps).unsqueeze(2); // [B, K, 1, d]
      const s = this.embed_state.forward(x.states).unsqueeze(2);
      const R = this.embed_return.forward(x.returnsToGo.unsqueeze(-1)).unsqueeze(2);
      let a = this.embed_action.forward(x.actionTokens); // [B, K, A, d]
      if (this.embed_act_pos) a = a.add(this.embed_act_pos.weight);
      const r = this.embed_reward.forward(x.rewards.unsqueeze(-1)).unsqueeze(2);
      const tokens = torch.cat([s, R, a, r], 2).add(time); // [B, K, 3 + A, d]
      return this.embed_ln.forward(tokens.view([B, K * this.tokensPerStep, this.cfg.dModel]));
    });
  }

  /** Token embeddings of a window, as GPT-2 receives them: embedTokens(x) + wpe[0]. */
  embed(x: DTInputs): Tensor {
    return torch.tidy(() => this.embedTokens(x).add(this.positionBias()));
  }

  /**
   * The embedding of action token `tokens` [B] as dimension `dim` at absolute timesteps `timesteps` [B]:
   * [B, 1, d], exactly the row `embed` gives that token in a window (wpe[0] included).
   */
  embedActionToken(tokens: Tensor, dim: number, timesteps: Tensor): Tensor {
    return torch.tidy(() => {
      let a = this.embed_action.forward(tokens);
      if (this.embed_act_pos) a = a.add(this.embed_act_pos.weight.select(0, dim));
      return this.embed_ln.forward(a.add(this.embed_timestep.forward(timesteps))).add(this.positionBias()).unsqueeze(1);
    });
  }

  /** wpe[0]: GPT-2's position embedding with all position ids zero, a learned constant bias. */
  positionBias(): Tensor {
    return this.wpe.weight.select(0, 0);
  }

  /** [B, K * tokensPerStep] bool, true for keys of padded timesteps. */
  keyPaddingMask(attentionMask: Tensor): Tensor {
    return torch.tidy(() => {
      const [B, K] = attentionMask.shape as [number, number];
      return attentionMask.logicalNot().unsqueeze(2).expand([B, K, this.tokensPerStep]).reshape([B, K * this.tokensPerStep]);
    });
  }

  /** The attached method's modulation of a window (none without a method, or when it does not modulate). */
  modulate(x: DTInputs, tokens: Tensor): Modulation | undefined {
    const m = this.adapt?.modulate;
    if (!m) return undefined;
    return m.call(this.adapt, { tokens, attentionMask: x.attentionMask, taskIds: x.taskIds, tokensPerStep: this.tokensPerStep });
  }

  /**
   * Runs embedded tokens through dropout, the blocks and ln_f. `keyPaddingMask` covers the tokens the
   * blocks attend to (cached ones included); a layer's prefix from `mod` is never padding. With
   * caches, keys/values are appended to them (the prefix on the first pass): pass the same `mod` to
   * every pass of one decode.
   */
  transform(embedded: Tensor, keyPaddingMask: Tensor, caches?: LayerCache[], mod?: Modulation): Tensor {
    return torch.tidy(() => {
      const native = this.nativeBlocks(embedded, keyPaddingMask, mod);
      if (native) return this.ln_f.forward(this.transformNative(embedded, keyPaddingMask, native, caches));
      let h = this.drop.forward(embedded);
      for (let i = 0; i < this.blocks.length; i++) {
        const P = prefixLength(mod, i);
        const mask = P > 0 ? torch.cat([torch.zeros([keyPaddingMask.size(0), P], { dtype: 'bool' }), keyPaddingMask], 1) : keyPaddingMask;
        h = this.blocks[i]!.forward(h, { keyPaddingMask: mask, cache: caches?.[i], mod, layer: i });
      }
      return this.ln_f.forward(h);
    });
  }

  /**
   * The blocks' parameters for one native call (`F.preLnBlocks`), where it gives the bits of the
   * per-op path: eval mode (no dropout), no autograd, no modulation, plain blocks (no method's wrapped
   * layer: full and partial fine-tuning, EWC, L2 and PackNet keep them plain), float32 on the CPU with
   * the fused attention kernel on, and `setNativeBlocks` not turned off.
   */
  private nativeBlocks(embedded: Tensor, keyPaddingMask: Tensor, mod?: Modulation): Tensor[] | undefined {
    if (!nativeBlocksOn || this.training || mod || torch.isGradEnabled()) return undefined;
    if (embedded.device !== 'cpu' || embedded.dtype !== 'float32' || keyPaddingMask.dtype !== 'bool' || !F.fusedAttentionByDefault()) return undefined;
    return plainBlockParams(this.blocks, this.cfg.layerNormEps);
  }

  private transformNative(embedded: Tensor, keyPaddingMask: Tensor, params: Tensor[], caches?: LayerCache[]): Tensor {
    const buffers: Tensor[] = [];
    const first = caches?.[0];
    if (first?.k && first.len === undefined) throw new Error('DecisionTransformer: this key/value cache was filled op by op; the native pass (F.preLnBlocks) keeps its own layout, so continue it with the same model settings');
    if (caches && first?.k) for (const c of caches) buffers.push(c.k!, c.v!);
    const cacheLen = first?.len ?? 0;
    const reserve = first?.reserve ?? 0;
    const out = F.preLnBlocks(embedded, keyPaddingMask, params, { buffers, cacheLen, reserve }, this.cfg.nHead, this.cfg.layerNormEps);
    caches?.forEach((c, i) => {
      c.k?.dispose();
      c.v?.dispose();
      c.k = torch.keep(out.buffers[2 * i]!);
      c.v = torch.keep(out.buffers[2 * i + 1]!);
      c.len = cacheLen + embedded.size(1);
    });
    return out.h;
  }

  /**
   * Hidden states of a window's tokens with its modulation: prompt tokens (if any) go first and are
   * cut off again, so the result is [B, K * tokensPerStep, d] for every method.
   */
  hidden(x: DTInputs): { h: Tensor; mod?: Modulation } {
    return torch.tidy(() => this.hiddenUntidy(x));
  }

  private hiddenUntidy(x: DTInputs): { h: Tensor; mod?: Modulation } {
    const tokens = this.embedTokens(x);
    const mod = this.modulate(x, tokens);
    const { embedded, padMask, promptLength } = this.withPrompt(tokens.add(this.positionBias()), this.keyPaddingMask(x.attentionMask), mod);
    const h = this.transform(embedded, padMask, undefined, mod);
    return { h: promptLength > 0 ? h.narrow(1, promptLength, h.size(1) - promptLength) : h, mod };
  }

  /** Puts a modulation's soft prompt (plus wpe[0], like every token) before the window; its keys are never padding. */
  withPrompt(embedded: Tensor, padMask: Tensor, mod?: Modulation): { embedded: Tensor; padMask: Tensor; promptLength: number } {
    const prompt = mod?.prompt;
    if (!prompt) return { embedded, padMask, promptLength: 0 };
    const P = prompt.size(1);
    return {
      embedded: torch.cat([prompt.add(this.positionBias()), embedded], 1),
      padMask: torch.cat([torch.zeros([padMask.size(0), P], { dtype: 'bool' }), padMask], 1),
      promptLength: P,
    };
  }

  /** Action logits of every timestep: [B, K, maxActDim, bins]; entry [.., j, :] predicts action dimension j. */
  forward(x: DTInputs): Tensor {
    return torch.tidy(() => this.logits(x).logits);
  }

  /** The logits and the modulation they were computed with (its auxiliary loss, for training). */
  logits(x: DTInputs): { logits: Tensor; mod?: Modulation } {
    return torch.tidy(() => {
      const [B, K] = x.states.shape as [number, number];
      const { h, mod } = this.hiddenUntidy(x);
      const predictors = h.view([B, K, this.tokensPerStep, this.cfg.dModel]).narrow(2, 1, this.cfg.maxActDim);
      return { logits: this.action_head.forward(predictors), mod };
    });
  }

  /**
   * Mean cross-entropy over real action dimensions of real timesteps (`actionMask` [B, K, maxActDim],
   * nonzero = counted), as the original's CrossEntropyLoss over valid tokens, plus the attached
   * method's auxiliary loss for this batch (L2P/L2M's key pull) when it has one.
   */
  loss(x: DTInputs, actionMask: Tensor): Tensor {
    return torch.tidy(() => {
      const { logits, mod } = this.logits(x);
      const targets = x.actionTokens.maskedFill(actionMask.eq(0), -100);
      const ce = F.crossEntropy(logits.reshape([-1, this.cfg.actionBins]), targets.reshape([-1]), { ignoreIndex: -100 });
      return mod?.auxLoss ? ce.add(mod.auxLoss) : ce;
    });
  }

  /** Parameter counts by group, to compare with the paper's 44.5M. */
  parameterSummary(): { total: number; blocks: number; embeddings: number; head: number } {
    let blocks = 0;
    let head = 0;
    let total = 0;
    for (const [name, p] of this.namedParameters()) {
      const n = p.numel();
      total += n;
      if (name.startsWith('blocks.')) blocks += n;
      else if (name.startsWith('action_head.')) head += n;
    }
    return { total, blocks, embeddings: total - blocks - head, head };
  }
}

/** The one validation of a model configuration: the zod schema of `config.ts` (strict), plus dModel % nHead. */
function validateConfig(cfg: DTConfig): void {
  const r = modelSchema.safeParse(cfg);
  if (!r.success) throw new Error('DecisionTransformer config: ' + r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message} (got ${JSON.stringify((cfg as unknown as Record<string, unknown>)[String(i.path[0])])})`).join('; '));
}
