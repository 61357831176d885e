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
import { Block, initGPT2Weights, type GPT2Config, type LayerCache } from './gpt2.ts';

const { nn, F } = torch;

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

  /** Token embeddings of a window, before the transformer: [B, K * tokensPerStep, d] = embed_ln(token + time) + wpe[0]. */
  embed(x: DTInputs): Tensor {
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
      const e = this.embed_ln.forward(tokens.view([B, K * this.tokensPerStep, this.cfg.dModel]));
      return e.add(this.positionBias());
    });
  }

  /** wpe[0]: GPT-2's position embedding with all position ids zero, a learned constant bias. */
  private positionBias(): Tensor {
    return this.wpe.weight.select(0, 0);
  }

  /** [B, K * tokensPerStep] bool, true for keys of padded timesteps. */
  keyPaddingMask(attentionMask: Tensor): Tensor {
    return torch.tidy(() => {
      const [B, K] = attentionMask.shape as [number, number];
      return attentionMask.logicalNot().unsqueeze(2).expand([B, K, this.tokensPerStep]).reshape([B, K * this.tokensPerStep]);
    });
  }

  /** Runs embedded tokens through dropout, the blocks and ln_f. With caches, keys/values are appended to them. */
  transform(embedded: Tensor, keyPaddingMask: Tensor, caches?: LayerCache[]): Tensor {
    return torch.tidy(() => {
      let h = this.drop.forward(embedded);
      for (let i = 0; i < this.blocks.length; i++) h = this.blocks[i]!.forward(h, { keyPaddingMask, cache: caches?.[i] });
      return this.ln_f.forward(h);
    });
  }

  /** Action logits of every timestep: [B, K, maxActDim, bins]; entry [.., j, :] predicts action dimension j. */
  forward(x: DTInputs): Tensor {
    return torch.tidy(() => {
      const [B, K] = x.states.shape as [number, number];
      const h = this.transform(this.embed(x), this.keyPaddingMask(x.attentionMask));
      const predictors = h.view([B, K, this.tokensPerStep, this.cfg.dModel]).narrow(2, 1, this.cfg.maxActDim);
      return this.action_head.forward(predictors);
    });
  }

  /**
   * Mean cross-entropy over real action dimensions of real timesteps (`actionMask` [B, K, maxActDim],
   * nonzero = counted), as the original's CrossEntropyLoss over valid tokens.
   */
  loss(x: DTInputs, actionMask: Tensor): Tensor {
    return torch.tidy(() => {
      const logits = this.forward(x);
      const targets = x.actionTokens.maskedFill(actionMask.eq(0), -100);
      return F.crossEntropy(logits.reshape([-1, this.cfg.actionBins]), targets.reshape([-1]), { ignoreIndex: -100 });
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

function validateConfig(cfg: DTConfig): void {
  const ints: (keyof DTConfig)[] = ['nLayer', 'nHead', 'dModel', 'dInner', 'stateDim', 'maxActDim', 'actionBins', 'contextLength', 'maxEpisodeLength', 'nPositions'];
  for (const k of ints) {
    const v = cfg[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`DecisionTransformer config: ${k} must be a positive integer, got ${String(v)}`);
  }
  if (cfg.dModel % cfg.nHead !== 0) throw new Error(`DecisionTransformer config: dModel ${cfg.dModel} is not divisible by nHead ${cfg.nHead}`);
  if (cfg.actionPositionEmbedding !== undefined && typeof cfg.actionPositionEmbedding !== 'boolean') throw new Error(`DecisionTransformer config: actionPositionEmbedding must be true or false, got ${String(cfg.actionPositionEmbedding)}`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw new Error(`DecisionTransformer config: dropout must be in [0, 1), got ${cfg.dropout}`);
}
