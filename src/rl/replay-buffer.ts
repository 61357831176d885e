/**
 * SAC's replay buffer: transitions (obs, action, reward, next obs, terminated, truncated) in flat
 * float32 columns, in the order they happened. When full, the oldest transition is overwritten.
 * Batches are drawn uniformly with replacement (as pytorch_sac). `terminated` stops bootstrapping;
 * `truncated` (time limit) only marks where an episode ended, so episodes can be read back.
 */
import * as torch from '../torch/index.ts';
import type { Rng } from '../envs/rng.ts';

export interface SacBatch {
  obs: torch.Tensor;
  action: torch.Tensor;
  reward: torch.Tensor;
  nextObs: torch.Tensor;
  /** 1 - terminated, [B, 1]. */
  notDone: torch.Tensor;
}

/** One episode read back from the buffer (time-ordered). */
export interface BufferEpisode {
  obs: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextObs: Float32Array;
  terminals: Uint8Array;
  timeouts: Uint8Array;
}

export class ReplayBuffer {
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly nextObs: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Next write position. */
  private next = 0;
  private full = false;
  /** Transitions ever added. */
  added = 0;

  constructor(
    readonly capacity: number,
    readonly obsDim: number,
    readonly actDim: number,
  ) {
    for (const [k, v] of Object.entries({ capacity, obsDim, actDim })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`ReplayBuffer: ${k} must be a positive integer, got ${v}`);
    }
    this.obs = new Float32Array(capacity * obsDim);
    this.actions = new Float32Array(capacity * actDim);
    this.rewards = new Float32Array(capacity);
    this.nextObs = new Float32Array(capacity * obsDim);
    this.terminated = new Uint8Array(capacity);
    this.truncated = new Uint8Array(capacity);
  }

  get size(): number {
    return this.full ? this.capacity : this.next;
  }

  add(obs: ArrayLike<number>, action: ArrayLike<number>, reward: number, nextObs: ArrayLike<number>, terminated: boolean, truncated: boolean): void {
    if (obs.length !== this.obsDim || nextObs.length !== this.obsDim) throw new Error(`ReplayBuffer.add: observations must have ${this.obsDim} values, got ${obs.length} and ${nextObs.length}`);
    if (action.length !== this.actDim) throw new Error(`ReplayBuffer.add: action must have ${this.actDim} values, got ${action.length}`);
    const i = this.next;
    this.obs.set(obs, i * this.obsDim);
    this.actions.set(action, i * this.actDim);
    this.rewards[i] = reward;
    this.nextObs.set(nextObs, i * this.obsDim);
    this.terminated[i] = terminated ? 1 : 0;
    this.truncated[i] = truncated ? 1 : 0;
    this.next = (i + 1) % this.capacity;
    if (this.next === 0) this.full = true;
    this.added++;
  }

  /** Row indices of a uniform batch (with replacement). */
  sampleIndices(batchSize: number, rng: Rng): Int32Array {
    const n = this.size;
    if (n === 0) throw new Error('ReplayBuffer.sample: the buffer is empty');
    const idx = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) idx[b] = rng.int(n);
    return idx;
  }

  /** The rows `idx` as float32 tensors (created in the caller's tidy scope). */
  gather(idx: Int32Array): SacBatch {
    const B = idx.length;
    const O = this.obsDim;
    const A = this.actDim;
    const obs = new Float32Array(B * O);
    const nextObs = new Float32Array(B * O);
    const action = new Float32Array(B * A);
    const reward = new Float32Array(B);
    const notDone = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const i = idx[b]!;
      obs.set(this.obs.subarray(i * O, (i + 1) * O), b * O);
      nextObs.set(this.nextObs.subarray(i * O, (i + 1) * O), b * O);
      action.set(this.actions.subarray(i * A, (i + 1) * A), b * A);
      reward[b] = this.rewards[i]!;
      notDone[b] = 1 - this.terminated[i]!;
    }
    return {
      obs: torch.tensor(obs, { shape: [B, O] }),
      action: torch.tensor(action, { shape: [B, A] }),
      reward: torch.tensor(reward, { shape: [B, 1] }),
      nextObs: torch.tensor(nextObs, { shape: [B, O] }),
      notDone: torch.tensor(notDone, { shape: [B, 1] }),
    };
  }

  sample(batchSize: number, rng: Rng): SacBatch {
    return this.gather(this.sampleIndices(batchSize, rng));
  }

  /** Buffer rows in time order (oldest first). */
  private chronological(): number[] {
    const n = this.size;
    const start = this.full ? this.next : 0;
    return Array.from({ length: n }, (_, k) => (start + k) % this.capacity);
  }

  /**
   * The stored episodes in time order, split after every terminated or truncated transition. A
   * trailing unfinished episode is left out unless `includeUnfinished`. After wrap-around the first
   * episode may have lost its beginning.
   */
  episodes(opts: { includeUnfinished?: boolean } = {}): BufferEpisode[] {
    const rows = this.chronological();
    const out: BufferEpisode[] = [];
    let begin = 0;
    const O = this.obsDim;
    const A = this.actDim;
    const emit = (end: number): void => {
      const r = rows.slice(begin, end);
      const n = r.length;
      const ep: BufferEpisode = {
        obs: new Float32Array(n * O),
        actions: new Float32Array(n * A),
        rewards: new Float32Array(n),
        nextObs: new Float32Array(n * O),
        terminals: new Uint8Array(n),
        timeouts: new Uint8Array(n),
      };
      r.forEach((i, k) => {
        ep.obs.set(this.obs.subarray(i * O, (i + 1) * O), k * O);
        ep.nextObs.set(this.nextObs.subarray(i * O, (i + 1) * O), k * O);
        ep.actions.set(this.actions.subarray(i * A, (i + 1) * A), k * A);
        ep.rewards[k] = this.rewards[i]!;
        ep.terminals[k] = this.terminated[i]!;
        ep.timeouts[k] = this.truncated[i]! && !this.terminated[i]! ? 1 : 0;
      });
      out.push(ep);
      begin = end;
    };
    rows.forEach((i, k) => {
      if (this.terminated[i] || this.truncated[i]) emit(k + 1);
    });
    if (opts.includeUnfinished && begin < rows.length) emit(rows.length);
    return out;
  }

  /** The filled rows as tensors (time order) for checkpoints; load with `loadState`. */
  stateTensors(): Record<string, torch.Tensor> {
    const rows = Int32Array.from(this.chronological());
    const n = rows.length;
    const O = this.obsDim;
    const A = this.actDim;
    const pick = <T extends Float32Array | Uint8Array>(src: T, w: number): T => {
      const dst = new (src.constructor as new (n: number) => T)(n * w);
      rows.forEach((i, k) => dst.set(src.subarray(i * w, (i + 1) * w), k * w));
      return dst;
    };
    return {
      obs: torch.tensor(pick(this.obs, O), { shape: [n, O] }),
      actions: torch.tensor(pick(this.actions, A), { shape: [n, A] }),
      rewards: torch.tensor(pick(this.rewards, 1), { shape: [n] }),
      next_obs: torch.tensor(pick(this.nextObs, O), { shape: [n, O] }),
      terminated: torch.tensor(pick(this.terminated, 1), { shape: [n], dtype: 'uint8' }),
      truncated: torch.tensor(pick(this.truncated, 1), { shape: [n], dtype: 'uint8' }),
    };
  }

  /** Restores rows saved by `stateTensors` (time order) and the count of transitions ever added. */
  loadState(t: Record<string, torch.Tensor>, added: number, source = 'replay buffer'): void {
    for (const k of ['obs', 'actions', 'rewards', 'next_obs', 'terminated', 'truncated']) {
      if (!t[k]) throw new Error(`${source}: missing '${k}'`);
    }
    const n = t.rewards!.shape[0]!;
    if (n > this.capacity) throw new Error(`${source}: holds ${n} transitions, more than the capacity ${this.capacity}`);
    const obs = t.obs!.toFloat32Array();
    const nextObs = t.next_obs!.toFloat32Array();
    const actions = t.actions!.toFloat32Array();
    if (obs.length !== n * this.obsDim || nextObs.length !== n * this.obsDim) throw new Error(`${source}: observations are not ${n} x ${this.obsDim}`);
    if (actions.length !== n * this.actDim) throw new Error(`${source}: actions are not ${n} x ${this.actDim}`);
    this.obs.set(obs);
    this.nextObs.set(nextObs);
    this.actions.set(actions);
    this.rewards.set(t.rewards!.toFloat32Array());
    this.terminated.set(Uint8Array.from(t.terminated!.toArray()));
    this.truncated.set(Uint8Array.from(t.truncated!.toArray()));
    this.next = n % this.capacity;
    this.full = n === this.capacity;
    this.added = added;
  }
}
