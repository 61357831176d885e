/**
 * The rolling K-step context of a batch of running episodes, laid out exactly as the sampler lays
 * out training windows: 204-d states, 6 action tokens per step (padded dimensions hold the token of
 * 0.0, padded timesteps the padding token), scaled return-to-go and reward, absolute timesteps and a
 * left-padding mask. The last timestep of each window is the current one: its actions are still to
 * be decoded and its reward token is 0.
 */
import * as torch from '../torch/index.ts';
import type { DTInputs } from '../model/decision-transformer.ts';
import type { ActionTokenizer } from '../data/action-tokenizer.ts';

export interface ContextShape {
  numEnvs: number;
  contextLength: number;
  stateDim: number;
  maxActDim: number;
}

export class EpisodeContext {
  /** Steps recorded per env (including the current one). */
  private readonly length: Int32Array;
  private readonly states: Float32Array;
  private readonly tokens: Int32Array;
  private readonly rtg: Float32Array;
  private readonly rewards: Float32Array;
  private readonly timesteps: Int32Array;
  /**
   * The windows `toInputs` lays out, reused by every call: the tensors are copies, and arrays made per
   * step would each hold their memory until garbage collection, in between the decode's tensors.
   */
  private readonly scratch: { states: Float32Array; tokens: Int32Array; rtg: Float32Array; rewards: Float32Array; timesteps: Int32Array; mask: Uint8Array };

  constructor(
    readonly shape: ContextShape,
    private readonly tokenizer: ActionTokenizer,
  ) {
    const { numEnvs: n, contextLength: K, stateDim, maxActDim } = shape;
    this.length = new Int32Array(n);
    this.states = new Float32Array(n * K * stateDim);
    this.tokens = new Int32Array(n * K * maxActDim);
    this.rtg = new Float32Array(n * K);
    this.rewards = new Float32Array(n * K);
    this.timesteps = new Int32Array(n * K);
    this.scratch = { states: new Float32Array(n * K * stateDim), tokens: new Int32Array(n * K * maxActDim), rtg: new Float32Array(n * K), rewards: new Float32Array(n * K), timesteps: new Int32Array(n * K), mask: new Uint8Array(n * K) };
  }

  /** Starts the window of env i at its current step: obs (any width up to stateDim, zero-padded), return-to-go, timestep. */
  push(i: number, obs: ArrayLike<number>, returnToGo: number, timestep: number): void {
    const { contextLength: K, stateDim, maxActDim } = this.shape;
    if (obs.length > stateDim) throw new Error(`EpisodeContext: observation has ${obs.length} numbers, the model reads ${stateDim}`);
    if (this.length[i]! >= K) this.shiftLeft(i);
    const k = Math.min(this.length[i]!, K - 1);
    this.length[i] = Math.min(this.length[i]! + 1, K);
    const row = (i * K + k) * stateDim;
    this.states.fill(0, row, row + stateDim);
    for (let j = 0; j < obs.length; j++) {
      const v = obs[j]!;
      if (!Number.isFinite(v)) throw new Error(`EpisodeContext: observation of env ${i} has a non-finite value at index ${j}`);
      this.states[row + j] = v;
    }
    this.tokens.fill(this.tokenizer.zeroToken, (i * K + k) * maxActDim, (i * K + k + 1) * maxActDim);
    this.rtg[i * K + k] = returnToGo;
    this.rewards[i * K + k] = 0;
    this.timesteps[i * K + k] = timestep;
  }

  /** Records the action taken (values in [-1, 1]) and the scaled reward received at env i's current step. */
  complete(i: number, action: ArrayLike<number>, scaledReward: number): void {
    const { contextLength: K, maxActDim } = this.shape;
    const k = this.length[i]! - 1;
    if (k < 0) throw new Error('EpisodeContext.complete before push');
    for (let j = 0; j < action.length; j++) this.tokens[(i * K + k) * maxActDim + j] = this.tokenizer.encode(action[j]!);
    this.rewards[i * K + k] = scaledReward;
  }

  /** Clears env i (a new episode starts). */
  clear(i: number): void {
    this.length[i] = 0;
  }

  /**
   * The windows as model inputs, left-padded to K (padded timesteps: zeros, timestep 0, padding token):
   * of every env, or of the envs `rows` in that order.
   */
  toInputs(transformStates?: (states: Float32Array, realRows: Uint8Array) => void, rows?: readonly number[]): DTInputs {
    const { numEnvs, contextLength: K, stateDim, maxActDim } = this.shape;
    const n = rows ? rows.length : numEnvs;
    const states = this.scratch.states.subarray(0, n * K * stateDim);
    const tokens = this.scratch.tokens.subarray(0, n * K * maxActDim);
    const rtg = this.scratch.rtg.subarray(0, n * K);
    const rewards = this.scratch.rewards.subarray(0, n * K);
    const timesteps = this.scratch.timesteps.subarray(0, n * K);
    const mask = this.scratch.mask.subarray(0, n * K);
    states.fill(0);
    tokens.fill(this.tokenizer.padToken);
    rtg.fill(0);
    rewards.fill(0);
    timesteps.fill(0);
    mask.fill(0);
    for (let j = 0; j < n; j++) {
      const i = rows ? rows[j]! : j;
      if (i < 0 || i >= numEnvs) throw new Error(`EpisodeContext.toInputs: env ${i} out of range [0, ${numEnvs})`);
      const len = this.length[i]!;
      const pad = K - len;
      states.set(this.states.subarray(i * K * stateDim, (i * K + len) * stateDim), (j * K + pad) * stateDim);
      tokens.set(this.tokens.subarray(i * K * maxActDim, (i * K + len) * maxActDim), (j * K + pad) * maxActDim);
      rtg.set(this.rtg.subarray(i * K, i * K + len), j * K + pad);
      rewards.set(this.rewards.subarray(i * K, i * K + len), j * K + pad);
      timesteps.set(this.timesteps.subarray(i * K, i * K + len), j * K + pad);
      mask.fill(1, j * K + pad, (j + 1) * K);
    }
    transformStates?.(states, mask);
    return {
      states: torch.tensor(states, { shape: [n, K, stateDim] }),
      actionTokens: torch.tensor(tokens, { shape: [n, K, maxActDim], dtype: 'int64' }),
      returnsToGo: torch.tensor(rtg, { shape: [n, K] }),
      rewards: torch.tensor(rewards, { shape: [n, K] }),
      timesteps: torch.tensor(timesteps, { shape: [n, K], dtype: 'int64' }),
      attentionMask: torch.tensor(mask, { shape: [n, K], dtype: 'bool' }),
    };
  }

  private shiftLeft(i: number): void {
    const { contextLength: K, stateDim, maxActDim } = this.shape;
    this.states.copyWithin(i * K * stateDim, (i * K + 1) * stateDim, (i + 1) * K * stateDim);
    this.tokens.copyWithin(i * K * maxActDim, (i * K + 1) * maxActDim, (i + 1) * K * maxActDim);
    this.rtg.copyWithin(i * K, i * K + 1, (i + 1) * K);
    this.rewards.copyWithin(i * K, i * K + 1, (i + 1) * K);
    this.timesteps.copyWithin(i * K, i * K + 1, (i + 1) * K);
    this.length[i] = K - 1;
  }
}
