/**
 * Training windows from offline datasets, as the original's `TrajectoryDataset` and
 * `DomainWeightedRandomSampler` draw them:
 * - batches alternate between domains (Meta-World, then DMControl, ...), each batch from one domain;
 * - within the domain a trajectory is drawn with probability ∝ its length and a start uniform in
 *   [0, len); the window is [start, min(start + K, len)), so windows near an episode's end are short
 *   and left-padded (together: a uniformly drawn transition of the domain starts the window);
 * - trajectories shorter than K are skipped, as the original does when loading a dataset;
 * - padded positions hold zeros (states, actions, rewards, returns-to-go, timesteps), mask 0 and action
 *   token 64; returns-to-go and rewards are divided by the domain's reward scale.
 *
 * Batch b is drawn from a generator seeded with (seed, b), so the sampler's whole state is the
 * number of batches drawn: `state()` / `restore()` resume a training run exactly.
 */
import crypto from 'node:crypto';
import type { Domain } from '../envs/types.ts';
import { Rng } from '../envs/rng.ts';
import { MINMAX_64 } from './action-tokenizer.ts';
import { REWARD_SCALE } from '../envs/targets.ts';
import { episodeCount, type Dataset } from './dataset.ts';
import { MODEL_ACTION_DIM, MODEL_STATE_DIM, isPrefixLayout, modelStateIndex } from './layout.ts';
import { deriveSeed } from './seeds.ts';

/** Reward scale per domain (`configs/env_params/multi_domain_mtdmc.yaml`). */
export { REWARD_SCALE } from '../envs/targets.ts';
/** Order in which domains take turns. */
export const DOMAIN_ORDER: readonly Domain[] = ['metaworld', 'dmc'];

/**
 * One batch of B windows of K timesteps, all from one domain. Arrays are contiguous, row-major:
 * index [b, k, d] is `(b * K + k) * D + d`. Padding is on the left (position 0 is the oldest step).
 */
export interface Batch {
  domain: Domain;
  batchSize: number;
  contextLength: number;
  /** The domain's reward scale that `returnsToGo` and `rewards` were divided by. */
  rewardScale: number;
  /** [B, K, 204] states in the model layout (Meta-World zero-padded at the end, DMControl slotted). */
  states: Float32Array;
  /** [B, K, 6] actions; padded dimensions and padded timesteps are 0. */
  actions: Float32Array;
  /** [B, K, 6] MinMax action tokens (0..63); padded dimensions 32 (the token of 0.0), padded timesteps 64. */
  actionTokens: Int32Array;
  /** [B, K, 6] 1 for real action dimensions at real timesteps (the loss mask), else 0. */
  actionMask: Int32Array;
  /** [B, K] undiscounted return-to-go / rewardScale. */
  returnsToGo: Float32Array;
  /** [B, K] reward / rewardScale. */
  rewards: Float32Array;
  /** [B, K] absolute timestep within the episode (0 on padding). */
  timesteps: Int32Array;
  /** [B, K] 1 for real timesteps, 0 for left padding. */
  attentionMask: Int32Array;
  /** [B] index into `sampler.tasks` of each window. */
  taskIds: Int32Array;
}

export interface SamplerOptions {
  batchSize?: number;
  /** K, timesteps per window (default 5). */
  contextLength?: number;
  seed?: number;
  rewardScale?: Partial<Record<Domain, number>>;
  /** Trajectories shorter than this are not sampled (default: the context length, as the original). */
  minEpisodeLength?: number;
}

export interface SamplerState {
  seed: number;
  /** Batches drawn so far. */
  batches: number;
  /** Identifies the datasets and settings; restore() refuses a state from other data. */
  fingerprint: string;
}

interface TaskView {
  ds: Dataset;
  index: Int32Array;
  prefix: boolean;
}

interface DomainPool {
  domain: Domain;
  scale: number;
  /** Eligible episodes: task index, first row, length; `cum[e]` = rows before episode e. */
  epTask: Int32Array;
  epStart: Int32Array;
  epLen: Int32Array;
  cum: Float64Array;
  total: number;
}

export class TrajectorySampler {
  readonly batchSize: number;
  readonly contextLength: number;
  readonly seed: number;
  /** Task names, indexed by `Batch.taskIds`. */
  readonly tasks: string[];
  private readonly views: TaskView[];
  private readonly pools: DomainPool[];
  private readonly fingerprint: string;
  private batches = 0;
  private readonly rng = new Rng(0);

  constructor(datasets: Dataset[], opts: SamplerOptions = {}) {
    if (datasets.length === 0) throw new Error('TrajectorySampler: no datasets');
    this.batchSize = opts.batchSize ?? 256;
    this.contextLength = opts.contextLength ?? 5;
    this.seed = opts.seed ?? 0;
    if (!(this.batchSize > 0 && Number.isInteger(this.batchSize))) throw new Error(`TrajectorySampler: batchSize must be a positive integer, got ${this.batchSize}`);
    if (!(this.contextLength > 0 && Number.isInteger(this.contextLength))) throw new Error(`TrajectorySampler: contextLength must be a positive integer, got ${this.contextLength}`);
    const minLen = opts.minEpisodeLength ?? this.contextLength;
    this.tasks = datasets.map((d) => d.meta.task);
    const dup = this.tasks.find((t, i) => this.tasks.indexOf(t) !== i);
    if (dup) throw new Error(`TrajectorySampler: task '${dup}' given twice`);
    this.views = datasets.map((ds) => {
      if (ds.actDim > MODEL_ACTION_DIM) throw new Error(`${ds.meta.task}: ${ds.actDim}-d actions exceed the model's ${MODEL_ACTION_DIM}`);
      const index = modelStateIndex(ds.meta.observation);
      return { ds, index, prefix: isPrefixLayout(index) };
    });
    this.pools = [];
    for (const domain of DOMAIN_ORDER) {
      const members = this.views.map((v, i) => [v, i] as const).filter(([v]) => v.ds.meta.domain === domain);
      if (members.length === 0) continue;
      const task: number[] = [];
      const start: number[] = [];
      const len: number[] = [];
      for (const [v, i] of members) {
        const off = v.ds.episodeOffsets;
        for (let e = 0; e < episodeCount(v.ds); e++) {
          const l = off[e + 1] - off[e];
          if (l < minLen) continue;
          task.push(i);
          start.push(off[e]);
          len.push(l);
        }
      }
      if (len.length === 0) throw new Error(`TrajectorySampler: no ${domain} episode has at least ${minLen} steps`);
      const cum = new Float64Array(len.length);
      let total = 0;
      for (let e = 0; e < len.length; e++) {
        cum[e] = total;
        total += len[e];
      }
      const scale = opts.rewardScale?.[domain] ?? REWARD_SCALE[domain];
      this.pools.push({ domain, scale, epTask: Int32Array.from(task), epStart: Int32Array.from(start), epLen: Int32Array.from(len), cum, total });
    }
    const h = crypto.createHash('sha256');
    h.update(JSON.stringify({ K: this.contextLength, B: this.batchSize, minLen, scales: this.pools.map((p) => p.scale) }));
    for (const v of this.views) h.update(`${v.ds.meta.task}:${v.ds.meta.counts.transitions}:${v.ds.meta.checksum.value}\n`);
    this.fingerprint = h.digest('hex').slice(0, 16);
  }

  /** Domains in the order their batches alternate. */
  get domains(): Domain[] {
    return this.pools.map((p) => p.domain);
  }

  /** Transitions that can start a window, per domain. */
  transitions(domain: Domain): number {
    return this.pools.find((p) => p.domain === domain)?.total ?? 0;
  }

  state(): SamplerState {
    return { seed: this.seed, batches: this.batches, fingerprint: this.fingerprint };
  }

  /** Continues from a saved state: the next batch is the one that followed it. */
  restore(state: SamplerState): void {
    if (state.fingerprint !== this.fingerprint) throw new Error('TrajectorySampler.restore: the state was saved with other datasets or settings');
    if (state.seed !== this.seed) throw new Error(`TrajectorySampler.restore: state seed ${state.seed} differs from the sampler's ${this.seed}`);
    this.batches = state.batches;
  }

  /** The next batch (domains take turns). `out` is reused when given (it must come from this sampler). */
  next(out?: Batch): Batch {
    const b = this.batches++;
    const pool = this.pools[b % this.pools.length];
    this.rng.seed(deriveSeed(this.seed, b));
    return this.fill(pool, out);
  }

  private allocate(domain: Domain, scale: number): Batch {
    const B = this.batchSize;
    const K = this.contextLength;
    return {
      domain,
      batchSize: B,
      contextLength: K,
      rewardScale: scale,
      states: new Float32Array(B * K * MODEL_STATE_DIM),
      actions: new Float32Array(B * K * MODEL_ACTION_DIM),
      actionTokens: new Int32Array(B * K * MODEL_ACTION_DIM),
      actionMask: new Int32Array(B * K * MODEL_ACTION_DIM),
      returnsToGo: new Float32Array(B * K),
      rewards: new Float32Array(B * K),
      timesteps: new Int32Array(B * K),
      attentionMask: new Int32Array(B * K),
      taskIds: new Int32Array(B),
    };
  }

  private fill(pool: DomainPool, reuse?: Batch): Batch {
    const B = this.batchSize;
    const K = this.contextLength;
    const out = reuse ?? this.allocate(pool.domain, pool.scale);
    if (reuse) {
      out.domain = pool.domain;
      out.rewardScale = pool.scale;
      out.states.fill(0);
      out.actions.fill(0);
    }
    const S = MODEL_STATE_DIM;
    const A = MODEL_ACTION_DIM;
    const scale = pool.scale;
    for (let b = 0; b < B; b++) {
      // A uniform transition of the domain = trajectory ∝ length, then a uniform start within it.
      const g = this.rng.int(pool.total);
      let lo = 0;
      let hi = pool.cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (pool.cum[mid] <= g) lo = mid;
        else hi = mid - 1;
      }
      const ti = pool.epTask[lo];
      const view = this.views[ti];
      const ds = view.ds;
      const epStart = pool.epStart[lo];
      const start = epStart + (g - pool.cum[lo]);
      const end = Math.min(start + K, epStart + pool.epLen[lo]);
      const pad = K - (end - start);
      out.taskIds[b] = ti;
      const obsDim = ds.obsDim;
      const actDim = ds.actDim;
      for (let k = 0; k < K; k++) {
        const pos = b * K + k;
        const aBase = pos * A;
        if (k < pad) {
          out.returnsToGo[pos] = 0;
          out.rewards[pos] = 0;
          out.timesteps[pos] = 0;
          out.attentionMask[pos] = 0;
          for (let d = 0; d < A; d++) {
            out.actionTokens[aBase + d] = MINMAX_64.padToken;
            out.actionMask[aBase + d] = 0;
          }
          continue;
        }
        const row = start + k - pad;
        const sBase = pos * S;
        const src = row * obsDim;
        if (view.prefix) for (let i = 0; i < obsDim; i++) out.states[sBase + i] = ds.states[src + i];
        else for (let i = 0; i < obsDim; i++) out.states[sBase + view.index[i]] = ds.states[src + i];
        for (let d = 0; d < A; d++) {
          if (d < actDim) {
            const a = ds.actions[row * actDim + d];
            out.actions[aBase + d] = a;
            out.actionTokens[aBase + d] = MINMAX_64.encode(a);
            out.actionMask[aBase + d] = 1;
          } else {
            out.actionTokens[aBase + d] = ACTION_BINS_HALF;
            out.actionMask[aBase + d] = 0;
          }
        }
        out.returnsToGo[pos] = ds.returnsToGo[row] / scale; // float32 inputs: rounds like torch's x / scale
        out.rewards[pos] = ds.rewards[row] / scale;
        out.timesteps[pos] = ds.timesteps[row];
        out.attentionMask[pos] = 1;
      }
    }
    return out;
  }
}

/** Token of a padded action dimension (value 0.0). */
const ACTION_BINS_HALF = MINMAX_64.zeroToken;
