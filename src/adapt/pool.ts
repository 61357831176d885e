/**
 * The key-matched pool shared by L2P (`l2p.ts`) and L2M (`l2m.ts`): l2m-spec.md section 4, the original's
 * `Prompt` / `L2PPrompt` (`src/algos/prompt/{base_prompt,l2p}.py`).
 *
 * Selection, per window (once per window in training, once per environment step when decoding):
 *   q   = masked mean of the window's state tokens (position t·tokensPerStep of `WindowContext.tokens`,
 *         i.e. embed_ln output before wpe[0]) over its real timesteps                      [B, d]
 *   sim = normalize(q) · normalize(keys)^T  (cosine; F.normalize, eps 1e-12)                 [B, N]
 *   count penalty (training only, from the second task on, once some batch was counted):
 *         sim' = ((sim + 1) / 2) · w,  w = u / Σu,  u_i = 1 / (counts_i + 1e-6)
 *   oracle: sim' = -inf outside the window's task block (pool split into `tasks` contiguous blocks)
 *   idx = top-k(sim')                         (not differentiable; ties as torch.topk)   [B, k]
 *   pull = Σ_b Σ_j cos(keys[idx_bj], q_b) / B;  Modulation.auxLoss = -pullCoef · pull
 * As the original: the penalty multiplies the shifted similarity, w is refreshed only at task switches
 * (`beginTask`, the original's `set_task_id`: L1 normalisation, `inv_counts / inv_counts.sum()`), w is
 * all ones before the first refresh, and the pull term uses the raw cosine (the penalty only steers
 * the selection). With top-k the pull sums over the k selected keys and averages over the batch.
 *
 * `counts` (the original's `add_counts`): after every training-mode forward pass (each accumulated
 * micro-batch included), with f_i = (selections of entry i in the batch) / (B·k) and n the number of
 * such batches so far, counts ← counts + (f − counts) / n: the running mean of the per-batch selection
 * frequencies over every training batch since fine-tuning began (never reset at task switches).
 * Evaluation (eval mode) never counts and never penalises. Unlike the original (which excludes its count
 * buffers from checkpoints), counts, w, the current task and the phase are the method's `state()`, so a
 * resumed run selects exactly as an uninterrupted one.
 *
 * Pre-training keys (`pretrainKeys: n`, L2M only; the original's `n_pretrain_keys`): n extra keys
 * `adapt.pretrain_keys`, learned on pre-training data with modulation disabled. Matching one of them at
 * evaluation means "no modulation" for that window (the original switches off the whole batch,
 * assuming a batch of one; here it is per window). How a loop uses them:
 *   1. `pool.setPhase('pretrain-keys')`: selection over the pre-training keys only, every window gets
 *      the identity (no modulation), only `adapt.pretrain_keys` is trainable (the pool is frozen).
 *      The count penalty is on from the second batch, with w refreshed after every batch (the original's
 *      `pretrain` mode), over counts of its own.
 *   2. Build an optimiser over the trainable parameters; train on pre-training windows with
 *      `keyPullLoss(model, x)` (the pull term only: the same key gradients as the full loss, whose CE has
 *      nothing to train in this phase, without the transformer pass), or `model.loss`.
 *   3. `pool.setPhase('adapt')`: back to the pool keys (pre-training keys frozen), then the continual run.
 *   At evaluation (eval mode, adapt phase) matching covers pool + pre-training keys;
 *   `pool.evalPretrainKeys = false` evaluates without them (retention with and without).
 * The identity needs a pool row that never trains: with pre-training keys the L2M pool holds one extra
 * row (LoRA B = 0, (IA)3 = 1), never selected in training (so it gets zero gradients and stays exact).
 *
 * Query-initialised keys (`keyInit: 'query'`, ours, not the original's; top-1 only): with keys at
 * U(-1, 1) (norm about √(d/3)) and the protocol's lr, the pull moves a key too little in a short phase
 * to reach its task's queries (docs/l2m.md, Results). With this option, when a training batch selects
 * entries no training batch has selected before (their count is 0, in the phase's own count book), the
 * one of them most windows picked (lowest index on ties) gets the mean direction of the normalised
 * queries of all the windows that picked a fresh entry, at the norm its key had; the batch is then
 * selected again. Nothing else changes (penalty, pull, counts, evaluation); the state needs nothing new
 * (a fresh entry is one whose count is 0).
 *
 * Selection statistics (for `l2m report` / `l2m eval --selection` heatmaps): with `recordSelections`
 * (default on), every adapt-phase modulate call adds each window's k selections to a task × entry
 * count matrix, one for training and one for evaluation (by `model.training`). A window's task is
 * `WindowContext.taskIds` (the training loop's current task `beginTask` index when absent in training,
 * -1 at evaluation). Entries ≥ pool are pre-training keys. Evaluation counts modulate calls: one per
 * environment step with cached decoding (the default), act_dim per step uncached.
 *   method.pool.selections()          -> { train, eval }: { entries, tasks: number[], counts: number[][] }
 *   method.pool.resetSelections('eval') (or no argument: both)
 *   method.pool.recording = false     (switch recording off / on at runtime)
 * They are part of `state()` too.
 *
 * The loop's side (src/train/continual.ts): call `method.beginTask(model, { index, name, sequence })` at
 * every task switch (the first task included: index 0 disables the penalty); put task ids (the task's
 * index in the sequence) into training batches and evaluation windows (the oracle needs them; the
 * statistics use them); save `method.state()` with checkpoints and `restore` it before resuming.
 * `isPoolMethod(method)` narrows an AdaptMethod to one with `method.pool`.
 */
import { z } from 'zod';
import * as torch from '../torch/index.ts';
import type { Tensor } from '../torch/index.ts';
import type { DecisionTransformer, DTInputs } from '../model/decision-transformer.ts';
import type { ModelAdapter, Modulation, WindowContext } from '../model/modulation.ts';
import type { AdaptMethod } from './method.ts';

const { nn, F } = torch;

/** Config fields every pool method has (pool size and top-k are per method: their defaults differ). */
export const poolFields = {
  /** The count penalty during training (from the second task on). */
  countPenalty: z.boolean().default(true),
  /** Coefficient of the key-pull term: loss = CE - pullCoef · pull (the original's pull_constraint_coef). */
  pullCoef: z.number().min(0).default(0.5),
  /** L2M-oracle: the pool split into `tasks` contiguous blocks; a window matches only its task's block. */
  oracle: z.object({ tasks: z.number().int().positive() }).strict().optional(),
  /** Keys learned on pre-training data whose selection means "no modulation" (L2M only). */
  pretrainKeys: z.number().int().positive().optional(),
  /** Record the task × entry selection matrices (training and evaluation). */
  recordSelections: z.boolean().default(true),
  /**
   * How a key starts: `uniform` (the original: U(-1, 1) until the pull moves it) or `query` (not in the
   * original; see the file header): an entry's key, when training first selects it, jumps to the mean
   * direction of the windows that picked it. Top-1 pools only. Absent means `uniform` (so the configs
   * of earlier runs parse, and resume, unchanged).
   */
  keyInit: z.enum(['uniform', 'query']).optional(),
};

/** The fields `checkPoolConfig` reads. */
export interface PoolConfig {
  pool: number;
  topK: number;
  countPenalty: boolean;
  pullCoef: number;
  oracle?: { tasks: number };
  pretrainKeys?: number;
  recordSelections: boolean;
  keyInit?: 'uniform' | 'query';
}

/** Cross-field checks of a pool config, as zod issues (used in each method's superRefine). */
export function checkPoolConfig(c: PoolConfig, ctx: z.RefinementCtx, opts: { pretrainKeys: boolean }): void {
  if (c.topK > c.pool) ctx.addIssue({ code: 'custom', path: ['topK'], message: `topK ${c.topK} is larger than the pool (${c.pool})` });
  if (c.oracle) {
    const { tasks } = c.oracle;
    if (tasks > c.pool) ctx.addIssue({ code: 'custom', path: ['oracle', 'tasks'], message: `${tasks} tasks cannot each get a block of a pool of ${c.pool}` });
    else if (c.pool % tasks !== 0) ctx.addIssue({ code: 'custom', path: ['oracle', 'tasks'], message: `the pool (${c.pool}) must split into ${tasks} equal blocks (a multiple of ${tasks})` });
    else if (c.topK > c.pool / tasks) ctx.addIssue({ code: 'custom', path: ['topK'], message: `topK ${c.topK} is larger than a task's block (${c.pool / tasks} entries)` });
    if (c.pretrainKeys !== undefined) ctx.addIssue({ code: 'custom', path: ['pretrainKeys'], message: 'pre-training keys cannot be combined with the oracle (the oracle matches only within the window\'s task block)' });
  }
  if (c.keyInit === 'query' && c.topK !== 1) ctx.addIssue({ code: 'custom', path: ['keyInit'], message: `keyInit 'query' needs top-1 matching (topK is ${c.topK}: the lower ranks would claim a fresh entry in every batch)` });
  if (c.pretrainKeys !== undefined && !opts.pretrainKeys) ctx.addIssue({ code: 'custom', path: ['pretrainKeys'], message: 'pre-training keys need a pool whose entries can be switched off per window (l2m, l2m-ia3); a prompt pool cannot' });
}

export type PoolPhase = 'adapt' | 'pretrain-keys';

/** A task × entry count matrix. */
export interface SelectionMatrix {
  /** Columns: pool entries, then pre-training keys. */
  entries: number;
  /** Row labels (task ids, ascending; -1 = windows without a task id). */
  tasks: number[];
  /** counts[i][j]: how often windows of task tasks[i] selected entry j. */
  counts: number[][];
}

/** Running selection frequencies and the penalty weights derived from them. */
interface CountBook {
  counts: Float64Array;
  total: number;
  weights: Float64Array;
}

function countBook(n: number): CountBook {
  return { counts: new Float64Array(n), total: 0, weights: new Float64Array(n).fill(1) };
}

/** w = u / Σu with u_i = 1 / (counts_i + 1e-6) (the original's update_inv_counts). */
export function penaltyWeights(counts: ArrayLike<number>): Float64Array {
  const u = Float64Array.from(counts, (c) => 1 / (c + 1e-6));
  const s = u.reduce((a, b) => a + b, 0);
  return u.map((v) => v / s);
}

/** The original's add_counts: counts += (f - counts) / n with f the batch's selection frequencies. */
function addCounts(book: CountBook, entries: Int32Array): void {
  const n = book.counts.length;
  const f = new Float64Array(n);
  for (const e of entries) f[e]! += 1;
  book.total += 1;
  for (let i = 0; i < n; i++) book.counts[i]! += (f[i]! / entries.length - book.counts[i]!) / book.total;
}

/** What one selection produced. */
export interface PoolSelection {
  /** [B, k] int64: the selected entries, best first; entries ≥ pool are pre-training keys. */
  indices: Tensor;
  /** `indices` on the host, row-major. */
  entries: Int32Array;
  /** k */
  k: number;
  /** Σ_b Σ_j cos(key[idx_bj], q_b) / B: differentiable w.r.t. the keys (and the query). */
  pull: Tensor;
  /** [B, N] cosine similarity before the penalty and the oracle mask. */
  similarity: Tensor;
  /** [B, d] the query. */
  query: Tensor;
  /** Which keys were matched. */
  keySet: 'pool' | 'pool+pretrain' | 'pretrain';
}

/**
 * The method-side state of a pool (counts, penalty weights, task, phase, selection statistics), held
 * by the method object so that `state()` / `restore()` work before and after injection.
 */
export class PoolBook {
  task = 0;
  phase: PoolPhase = 'adapt';
  evalPretrainKeys = true;
  recording: boolean;
  readonly adapt: CountBook;
  readonly pretrain: CountBook | undefined;
  #train = new Map<number, Float64Array>();
  #eval = new Map<number, Float64Array>();
  /** Set at injection: the pool's own trainable parameters and the pre-training keys. */
  #params: { pool: torch.nn.Parameter[]; pretrain?: torch.nn.Parameter } | undefined;

  constructor(readonly cfg: PoolConfig) {
    this.recording = cfg.recordSelections;
    this.adapt = countBook(cfg.pool);
    this.pretrain = cfg.pretrainKeys ? countBook(cfg.pretrainKeys) : undefined;
  }

  /** Columns of the selection matrices. */
  get entries(): number {
    return this.cfg.pool + (this.cfg.pretrainKeys ?? 0);
  }

  /** Called by the method's inject: the parameters the phases switch between. */
  bindParameters(pool: torch.nn.Parameter[], pretrain?: torch.nn.Parameter): void {
    this.#params = { pool, pretrain };
    this.#applyPhase();
  }

  /** At each task switch (the original's set_task_id): the task index and fresh penalty weights. */
  beginTask(index: number): void {
    if (!Number.isInteger(index) || index < 0) throw new Error(`pool: task index must be a non-negative integer, got ${index}`);
    this.task = index;
    this.adapt.weights = penaltyWeights(this.adapt.counts);
  }

  /** Switches between adapting the pool and learning the pre-training keys (see the file header). */
  setPhase(phase: PoolPhase): void {
    if (phase !== 'adapt' && phase !== 'pretrain-keys') throw new Error(`pool: unknown phase '${String(phase)}' (adapt | pretrain-keys)`);
    if (phase === 'pretrain-keys' && !this.cfg.pretrainKeys) throw new Error('pool: this method has no pre-training keys (set pretrainKeys: n in its config)');
    this.phase = phase;
    this.#applyPhase();
  }

  #applyPhase(): void {
    if (!this.#params) return;
    const pre = this.phase === 'pretrain-keys';
    for (const p of this.#params.pool) p.requiresGrad_(!pre);
    this.#params.pretrain?.requiresGrad_(pre);
  }

  /** Whether the count penalty applies to a selection now. */
  penaltyActive(training: boolean): boolean {
    if (!training || !this.cfg.countPenalty) return false;
    if (this.phase === 'pretrain-keys') return this.pretrain!.total > 0;
    return this.adapt.total > 0 && this.task > 0;
  }

  /** Counts and records one selection (after it was made). */
  observe(sel: PoolSelection, ctx: WindowContext, training: boolean): void {
    if (this.phase === 'pretrain-keys') {
      if (training) {
        addCounts(this.pretrain!, sel.entries);
        this.pretrain!.weights = penaltyWeights(this.pretrain!.counts);
      }
      return;
    }
    if (training) addCounts(this.adapt, sel.entries);
    if (!this.recording) return;
    const B = sel.entries.length / sel.k;
    const ids = ctx.taskIds ? ctx.taskIds.toArray() : undefined;
    const table = training ? this.#train : this.#eval;
    for (let b = 0; b < B; b++) {
      const task = ids ? ids[b]! : training ? this.task : -1;
      let row = table.get(task);
      if (!row) table.set(task, (row = new Float64Array(this.entries)));
      for (let j = 0; j < sel.k; j++) row[sel.entries[b * sel.k + j]!]! += 1;
    }
  }

  selections(): { train: SelectionMatrix; eval: SelectionMatrix } {
    const matrix = (m: Map<number, Float64Array>): SelectionMatrix => {
      const tasks = [...m.keys()].sort((a, b) => a - b);
      return { entries: this.entries, tasks, counts: tasks.map((t) => Array.from(m.get(t)!)) };
    };
    return { train: matrix(this.#train), eval: matrix(this.#eval) };
  }

  resetSelections(which?: 'train' | 'eval'): void {
    if (which !== 'eval') this.#train.clear();
    if (which !== 'train') this.#eval.clear();
  }

  state(): PoolState {
    const book = (b: CountBook) => ({ counts: Array.from(b.counts), total: b.total, weights: Array.from(b.weights) });
    const s = this.selections();
    return {
      version: 1,
      task: this.task,
      phase: this.phase,
      evalPretrainKeys: this.evalPretrainKeys,
      recording: this.recording,
      counts: book(this.adapt),
      ...(this.pretrain ? { pretrainCounts: book(this.pretrain) } : {}),
      selections: { train: s.train, eval: s.eval },
    };
  }

  restore(state: unknown): void {
    const s = state as PoolState;
    if (!s || typeof s !== 'object' || s.version !== 1) throw new Error('pool: cannot restore this state (expected the object pool.state() wrote, version 1)');
    const load = (b: CountBook, src: PoolState['counts'] | undefined, what: string) => {
      if (!src || src.counts.length !== b.counts.length || src.weights.length !== b.weights.length) throw new Error(`pool: the saved ${what} are for ${src?.counts.length ?? 'no'} entries, this pool has ${b.counts.length}`);
      b.counts = Float64Array.from(src.counts);
      b.weights = Float64Array.from(src.weights);
      b.total = src.total;
    };
    load(this.adapt, s.counts, 'counts');
    if (this.pretrain) load(this.pretrain, s.pretrainCounts, 'pre-training key counts');
    else if (s.pretrainCounts) throw new Error('pool: the saved state has pre-training keys, this method has none');
    this.task = s.task;
    this.evalPretrainKeys = s.evalPretrainKeys;
    this.recording = s.recording;
    this.setPhase(s.phase);
    const fill = (m: Map<number, Float64Array>, x: SelectionMatrix) => {
      m.clear();
      if (x.entries !== this.entries) throw new Error(`pool: the saved selection matrix has ${x.entries} entries, this pool has ${this.entries}`);
      x.tasks.forEach((t, i) => m.set(t, Float64Array.from(x.counts[i]!)));
    };
    fill(this.#train, s.selections.train);
    fill(this.#eval, s.selections.eval);
  }
}

/** What `PoolBook.state()` returns (JSON). */
export interface PoolState {
  version: 1;
  task: number;
  phase: PoolPhase;
  evalPretrainKeys: boolean;
  recording: boolean;
  counts: { counts: number[]; total: number; weights: number[] };
  pretrainCounts?: { counts: number[]; total: number; weights: number[] };
  selections: { train: SelectionMatrix; eval: SelectionMatrix };
}

/** Keys [n, d] initialised U(-1, 1) (the original's init_keys: uniform). */
export function keyTable(n: number, d: number): torch.nn.Parameter {
  return torch.noGrad(() => torch.tidy(() => new nn.Parameter(torch.empty([n, d]).uniform_(-1, 1))));
}

/**
 * `model.adapt` of a pool method: the keys (`adapt.keys` [pool, d], `adapt.pretrain_keys` [n, d]) and
 * the selection; subclasses turn a selection into a modulation (`modulationOf`).
 */
export abstract class KeyPool extends nn.Module implements ModelAdapter {
  keys: torch.nn.Parameter;
  pretrain_keys?: torch.nn.Parameter;

  constructor(
    dModel: number,
    /** The method's state (not a module: never scanned for parameters). */
    readonly book: PoolBook,
  ) {
    super();
    this.keys = keyTable(book.cfg.pool, dModel);
    if (book.cfg.pretrainKeys) this.pretrain_keys = keyTable(book.cfg.pretrainKeys, dModel);
  }

  /** The modulation of a window whose selection is `sel` (identity for pre-training keys and in the pretrain-keys phase). */
  protected abstract modulationOf(sel: PoolSelection, ctx: WindowContext): Modulation;

  /** The query of each window: the masked mean of its state tokens over real timesteps, [B, d]. */
  static query(ctx: WindowContext): Tensor {
    return torch.tidy(() => {
      const [B, L, d] = ctx.tokens.shape as [number, number, number];
      const T = ctx.tokensPerStep;
      if (L % T !== 0) throw new Error(`pool: a window of ${L} tokens is not a whole number of timesteps of ${T} tokens`);
      const states = ctx.tokens.reshape([B, L / T, T, d]).select(2, 0); // [B, K, d]
      const mask = ctx.attentionMask.to('float32'); // [B, K]
      return states.mul(mask.unsqueeze(-1)).sum(1).div(mask.sum(-1, true));
    });
  }

  /** The selection for a window batch, in the current phase and mode; changes no state. */
  select(ctx: WindowContext): PoolSelection {
    return torch.tidy(() => {
      const { cfg } = this.book;
      const pre = this.book.phase === 'pretrain-keys';
      const withPretrain = !pre && !this.training && this.pretrain_keys !== undefined && this.book.evalPretrainKeys;
      const keys = pre ? this.pretrain_keys! : withPretrain ? torch.cat([this.keys, this.pretrain_keys!], 0) : this.keys;
      const q = KeyPool.query(ctx);
      const B = q.size(0);
      const qn = F.normalize(q, 2, 1);
      const kn = F.normalize(keys, 2, 1);
      const similarity = qn.matmul(kn.t()); // [B, N]
      let scores = similarity.detach();
      if (this.book.penaltyActive(this.training)) {
        const w = pre ? this.book.pretrain!.weights : this.book.adapt.weights;
        scores = scores.add(1).div(2).mul(torch.tensor(Float32Array.from(w), { device: keys.device }));
      }
      if (cfg.oracle && !pre) scores = scores.maskedFill(this.#outsideBlock(ctx, B, keys.size(0), keys.device), -Infinity);
      const k = pre ? 1 : cfg.topK;
      const indices = scores.topk(k, 1).indices; // [B, k]
      const entries = Int32Array.from(indices.toArray());
      const pull = kn.indexSelect(0, indices.reshape([-1])).reshape([B, k, -1]).mul(qn.unsqueeze(1)).sum().div(B);
      return { indices, entries, k, pull, similarity, query: q, keySet: pre ? 'pretrain' : withPretrain ? 'pool+pretrain' : 'pool' } as PoolSelection;
    });
  }

  /** [B, N] bool: true outside each window's task block (the oracle). */
  #outsideBlock(ctx: WindowContext, B: number, N: number, device: torch.Device): Tensor {
    const tasks = this.book.cfg.oracle!.tasks;
    if (!ctx.taskIds) throw new Error('l2m oracle: the windows carry no task ids (DTInputs.taskIds): the oracle matches each window only within its task\'s block');
    const ids = ctx.taskIds.toArray();
    const size = this.book.cfg.pool / tasks;
    const out = new Uint8Array(B * N).fill(1);
    ids.forEach((t, b) => {
      if (!Number.isInteger(t) || t < 0 || t >= tasks) throw new Error(`l2m oracle: task id ${t} is outside the oracle's ${tasks} tasks (0..${tasks - 1})`);
      out.fill(0, b * N + t * size, b * N + (t + 1) * size);
    });
    return torch.tensor(out, { shape: [B, N], dtype: 'bool', device });
  }

  /**
   * keyInit 'query': moves the key of the fresh entry this selection picked most to the picking windows'
   * mean query direction (see the file header). Returns whether a key changed.
   */
  #initFreshKey(sel: PoolSelection): boolean {
    const pre = this.book.phase === 'pretrain-keys';
    const counts = (pre ? this.book.pretrain! : this.book.adapt).counts;
    const votes = new Map<number, number>();
    const windows: number[] = [];
    sel.entries.forEach((e, b) => {
      if (counts[e] !== 0) return;
      votes.set(e, (votes.get(e) ?? 0) + 1);
      windows.push(b);
    });
    if (windows.length === 0) return false;
    let entry = -1;
    for (const [e, v] of votes) if (entry < 0 || v > votes.get(entry)! || (v === votes.get(entry)! && e < entry)) entry = e;
    const keys = pre ? this.pretrain_keys! : this.keys;
    torch.noGrad(() =>
      torch.tidy(() => {
        const qn = F.normalize(sel.query, 2, 1).indexSelect(0, torch.tensor(Int32Array.from(windows), { dtype: 'int64', device: keys.device }));
        const row = keys.narrow(0, entry, 1); // a view: copy_ writes the key in place
        row.copy_(F.normalize(qn.mean([0], true), 2, 1).mul(row.norm(2, 1, true))); // at the old key's norm
      }),
    );
    return true;
  }

  modulate(ctx: WindowContext): Modulation {
    return torch.tidy(() => {
      let sel = this.select(ctx);
      if (this.training && this.book.cfg.keyInit === 'query' && this.#initFreshKey(sel)) sel = this.select(ctx);
      this.book.observe(sel, ctx, this.training);
      const mod = this.modulationOf(sel, ctx);
      if (this.book.cfg.pullCoef > 0) mod.auxLoss = sel.pull.mul(-this.book.cfg.pullCoef);
      return mod;
    });
  }
}

/** What a pool method exposes besides the AdaptMethod hooks. */
export interface PoolControl {
  readonly phase: PoolPhase;
  setPhase(phase: PoolPhase): void;
  /** Match the pre-training keys at evaluation (default true when there are any). */
  evalPretrainKeys: boolean;
  /** Record selection statistics. */
  recording: boolean;
  /** The current task index (from beginTask). */
  readonly task: number;
  selections(): { train: SelectionMatrix; eval: SelectionMatrix };
  resetSelections(which?: 'train' | 'eval'): void;
  /** The running selection frequencies, the number of batches counted, and the penalty weights in use. */
  counts(): { counts: number[]; total: number; weights: number[] };
}

export interface PoolMethod<C = unknown> extends AdaptMethod<C> {
  readonly pool: PoolControl;
}

export function isPoolMethod(m: AdaptMethod): m is PoolMethod {
  return typeof (m as Partial<PoolMethod>).pool === 'object' && (m as Partial<PoolMethod>).pool !== null;
}

/** The PoolControl view of a book. */
export function poolControl(book: PoolBook): PoolControl {
  return {
    get phase() {
      return book.phase;
    },
    setPhase: (p) => book.setPhase(p),
    get evalPretrainKeys() {
      return book.evalPretrainKeys;
    },
    set evalPretrainKeys(v: boolean) {
      book.evalPretrainKeys = v;
    },
    get recording() {
      return book.recording;
    },
    set recording(v: boolean) {
      book.recording = v;
    },
    get task() {
      return book.task;
    },
    selections: () => book.selections(),
    resetSelections: (w) => book.resetSelections(w),
    counts: () => ({ counts: Array.from(book.adapt.counts), total: book.adapt.total, weights: Array.from(book.adapt.weights) }),
  };
}

/**
 * The AdaptMethod hooks every pool method shares: beginTask (task index, penalty weights), state and
 * restore (the book), and `pool`.
 */
export function poolHooks(book: PoolBook): Pick<PoolMethod, 'beginTask' | 'state' | 'restore' | 'pool'> {
  return {
    beginTask: (_model, task) => book.beginTask(task.index),
    state: () => book.state(),
    restore: (s) => book.restore(s),
    pool: poolControl(book),
  };
}

/**
 * The key-pull loss of a batch alone (-pullCoef · pull), without the transformer pass: what the
 * pretrain-keys phase trains (the CE term has no trainable parameter there). Counts the batch as a
 * training forward pass would.
 */
export function keyPullLoss(model: DecisionTransformer, x: DTInputs): Tensor {
  return torch.tidy(() => {
    if (!(model.adapt instanceof KeyPool)) throw new Error('keyPullLoss: the model has no pool method attached (l2p, l2m, l2m-ia3)');
    const mod = model.modulate(x, model.embedTokens(x));
    if (!mod?.auxLoss) throw new Error('keyPullLoss: pullCoef is 0, there is no key-pull loss');
    return mod.auxLoss;
  });
}
