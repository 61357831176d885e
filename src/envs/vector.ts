/**
 * Many environments stepped together: N envs of one or several registered tasks (any domain), reset
 * and stepped as one batch with Float64Array blocks (row i = env i), in this thread or spread over
 * worker threads (contiguous chunks of envs per worker). Finished episodes reset automatically; the
 * observation that ended them is in `finalObs`.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { assetDir, MAX_ENVS_PER_THREAD } from './mujoco.ts';
import { assertRows, emptyBatchStep, EnvBatch, type BatchShape, type BatchStep } from './vector-batch.ts';
import type { WorkerCommand } from './vector-worker.ts';

export type { BatchStep } from './vector-batch.ts';

export interface VectorEnvOptions {
  /** One task name per environment (repeat a name for several copies). */
  tasks: string[];
  /** Env i is seeded with `seed + i` (default 0). */
  seed?: number;
  maxEpisodeSteps?: number;
  /** Observation layout of every env (the registry's default when omitted: DMControl's is the 204-d 'l2m204'). */
  obsLayout?: 'l2m204' | 'flat';
  /**
   * Worker threads (0: step in this thread; default 0). At most one per env, and at least enough that no
   * thread holds more than `MAX_ENVS_PER_THREAD` envs (each thread has its own 2 GiB wasm memory).
   */
  workers?: number;
}

type Pending = { resolve: (v: any) => void; reject: (e: Error) => void }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A worker thread owning envs [start, start + count). */
class WorkerChunk {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  obsDim = 0;
  actDim = 0;
  shape!: BatchShape;
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly start: number,
    readonly count: number,
  ) {
    worker.on('message', (msg: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(msg.error));
    });
    const fail = (err: Error): void => {
      this.failure = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err: Error) => fail(new Error(`VectorEnv worker failed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`VectorEnv worker exited (code ${code})`)));
  }

  static async spawn(tasks: string[], seeds: number[], start: number, maxEpisodeSteps: number | undefined, obsLayout?: 'l2m204' | 'flat'): Promise<WorkerChunk> {
    const worker = new Worker(new URL('./vector-worker-entry.mjs', import.meta.url), {
      // The entry registers tsx itself (works under `node --import tsx`, `npx tsx` and bin/l2m.mjs).
      execArgv: [],
      // A worker allocates little JavaScript per step: a 2 MB semi-space (6 MB young generation) instead
      // of V8's default 16 MB holds 12-17 MB less per worker (docs/performance.md).
      resourceLimits: { maxYoungGenerationSizeMb: 6 },
      workerData: { spec: { tasks, seeds, maxEpisodeSteps, obsLayout }, assets: assetDir() },
    });
    const chunk = new WorkerChunk(worker, start, tasks.length);
    const init = await new Promise<{ shape: BatchShape; obsDim: number; actDim: number }>((resolve, reject) => chunk.pending.set(0, { resolve, reject }));
    chunk.shape = init.shape;
    chunk.obsDim = init.obsDim;
    chunk.actDim = init.actDim;
    return chunk;
  }

  request<T>(msg: WorkerCommand, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  async close(): Promise<void> {
    if (!this.failure) await this.request({ op: 'close' }).catch(() => undefined);
    this.failure ??= new Error('VectorEnv is closed');
    await this.worker.terminate();
  }
}

export class VectorEnv {
  readonly numEnvs: number;
  /** Row width of observation blocks (the widest env; narrower rows are zero-padded). */
  readonly obsDim: number;
  /** Row width of action blocks (the widest env; an env reads the first `actDims[i]` numbers of its row). */
  readonly actDim: number;
  readonly obsDims: number[];
  readonly actDims: number[];
  readonly actLow: number[][];
  readonly actHigh: number[][];
  private closed = false;

  private constructor(
    readonly tasks: string[],
    private readonly local: EnvBatch | null,
    private readonly chunks: WorkerChunk[],
    shape: BatchShape,
  ) {
    this.numEnvs = tasks.length;
    this.obsDims = shape.obsDims;
    this.actDims = shape.actDims;
    this.actLow = shape.actLow;
    this.actHigh = shape.actHigh;
    this.obsDim = Math.max(...shape.obsDims);
    this.actDim = Math.max(...shape.actDims);
  }

  static async create(opts: VectorEnvOptions): Promise<VectorEnv> {
    const n = opts.tasks.length;
    if (n === 0) throw new Error('VectorEnv needs at least one task');
    const seed = opts.seed ?? 0;
    const seeds = opts.tasks.map((_, i) => seed + i);
    const requested = opts.workers ?? 0;
    if (!Number.isInteger(requested) || requested < 0) throw new Error(`VectorEnv: workers must be a non-negative integer, got ${opts.workers}`);
    if (requested === 0 && n > MAX_ENVS_PER_THREAD) {
      throw new Error(`VectorEnv: ${n} envs in this thread exceed the ${MAX_ENVS_PER_THREAD} one wasm memory holds; use workers > 0 (they are spread ${MAX_ENVS_PER_THREAD} per thread at most)`);
    }
    const workers = requested === 0 ? 0 : Math.min(Math.max(requested, Math.ceil(n / MAX_ENVS_PER_THREAD)), n);
    if (workers === 0) {
      const batch = await EnvBatch.create({ tasks: opts.tasks, seeds, maxEpisodeSteps: opts.maxEpisodeSteps, obsLayout: opts.obsLayout });
      return new VectorEnv([...opts.tasks], batch, [], batch.shape());
    }
    const spawns: Promise<WorkerChunk>[] = [];
    for (let w = 0, start = 0; w < workers; w++) {
      const count = Math.floor(n / workers) + (w < n % workers ? 1 : 0);
      spawns.push(WorkerChunk.spawn(opts.tasks.slice(start, start + count), seeds.slice(start, start + count), start, opts.maxEpisodeSteps, opts.obsLayout));
      start += count;
    }
    const settled = await Promise.allSettled(spawns);
    const chunks = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) {
      await Promise.all(chunks.map((c) => c.close()));
      throw failed.reason;
    }
    const shape: BatchShape = { obsDims: [], actDims: [], actLow: [], actHigh: [] };
    for (const c of chunks) {
      shape.obsDims.push(...c.shape.obsDims);
      shape.actDims.push(...c.shape.actDims);
      shape.actLow.push(...c.shape.actLow);
      shape.actHigh.push(...c.shape.actHigh);
    }
    return new VectorEnv([...opts.tasks], null, chunks, shape);
  }

  /** Worker threads stepping the envs (0: this thread). */
  get workerCount(): number {
    return this.chunks.length;
  }

  /** The default number of workers for this machine: one per core, at most one per env. */
  static defaultWorkers(numEnvs: number): number {
    return Math.max(1, Math.min(numEnvs, os.availableParallelism()));
  }

  /** Resets all envs (with `seeds`, one per env, or else their creation seeds); returns the numEnvs × obsDim observations. */
  async reset(seeds?: number[]): Promise<Float64Array> {
    this.assertOpen();
    if (seeds && seeds.length !== this.numEnvs) throw new Error(`VectorEnv.reset: ${this.numEnvs} envs but ${seeds.length} seeds`);
    if (this.local) return this.local.reset(seeds);
    const parts = await Promise.all(this.chunks.map((c) => c.request<Float64Array>({ op: 'reset', seeds: seeds?.slice(c.start, c.start + c.count) })));
    const obs = new Float64Array(this.numEnvs * this.obsDim);
    this.chunks.forEach((c, k) => this.copyRows(parts[k], c, obs));
    return obs;
  }

  /** Steps all envs with a numEnvs × actDim action block. */
  async step(actions: Float64Array): Promise<BatchStep> {
    this.assertOpen();
    if (actions.length !== this.numEnvs * this.actDim) {
      throw new Error(`VectorEnv.step: expected ${this.numEnvs}×${this.actDim} = ${this.numEnvs * this.actDim} action numbers, got ${actions.length}`);
    }
    if (this.local) return this.local.step(actions);
    const parts = await Promise.all(
      this.chunks.map((c) => {
        const a = new Float64Array(c.count * c.actDim);
        for (let r = 0; r < c.count; r++) a.set(actions.subarray((c.start + r) * this.actDim, (c.start + r) * this.actDim + c.actDim), r * c.actDim);
        return c.request<BatchStep>({ op: 'step', actions: a }, [a.buffer as ArrayBuffer]);
      }),
    );
    const n = this.numEnvs;
    const out = emptyBatchStep(n, this.obsDim);
    this.chunks.forEach((c, k) => {
      const p = parts[k];
      this.copyRows(p.obs, c, out.obs);
      this.copyRows(p.finalObs, c, out.finalObs);
      out.rewards.set(p.rewards, c.start);
      out.terminated.set(p.terminated, c.start);
      out.truncated.set(p.truncated, c.start);
      out.success.set(p.success, c.start);
    });
    return out;
  }

  /**
   * Steps only the envs `rows` (ascending indices) with a rows.length × actDim action block; results
   * come in the order of `rows`. The other envs do not move, and with workers the call returns while
   * they can be stepped by another `stepRows`: each worker runs its requests in order.
   */
  async stepRows(rows: readonly number[], actions: Float64Array): Promise<BatchStep> {
    this.assertOpen();
    const m = rows.length;
    if (actions.length !== m * this.actDim) throw new Error(`VectorEnv.stepRows: expected ${m}×${this.actDim} = ${m * this.actDim} action numbers, got ${actions.length}`);
    assertRows(rows, this.numEnvs);
    if (this.local) return this.local.step(actions, rows);
    // Positions in `rows` of each worker's envs.
    const parts = await Promise.all(
      this.chunks.map(async (c) => {
        const at: number[] = [];
        for (let j = 0; j < m; j++) if (rows[j]! >= c.start && rows[j]! < c.start + c.count) at.push(j);
        if (at.length === 0) return { at, step: null };
        const a = new Float64Array(at.length * c.actDim);
        at.forEach((j, r) => a.set(actions.subarray(j * this.actDim, j * this.actDim + c.actDim), r * c.actDim));
        const step = await c.request<BatchStep>({ op: 'step', actions: a, rows: at.map((j) => rows[j]! - c.start) }, [a.buffer as ArrayBuffer]);
        return { at, step };
      }),
    );
    const out = emptyBatchStep(m, this.obsDim);
    this.chunks.forEach((c, k) => {
      const { at, step: p } = parts[k]!;
      if (!p) return;
      at.forEach((j, r) => {
        out.obs.set(p.obs.subarray(r * c.obsDim, (r + 1) * c.obsDim), j * this.obsDim);
        out.finalObs.set(p.finalObs.subarray(r * c.obsDim, (r + 1) * c.obsDim), j * this.obsDim);
        out.rewards[j] = p.rewards[r]!;
        out.terminated[j] = p.terminated[r]!;
        out.truncated[j] = p.truncated[r]!;
        out.success[j] = p.success[r]!;
      });
    });
    return out;
  }

  /** The envs [start, start + count) of each worker thread ([0, numEnvs) for this thread). */
  get threadRanges(): { start: number; count: number }[] {
    return this.local ? [{ start: 0, count: this.numEnvs }] : this.chunks.map((c) => ({ start: c.start, count: c.count }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local?.close();
    await Promise.all(this.chunks.map((c) => c.close()));
  }

  private copyRows(src: Float64Array, c: WorkerChunk, dst: Float64Array): void {
    for (let r = 0; r < c.count; r++) dst.set(src.subarray(r * c.obsDim, (r + 1) * c.obsDim), (c.start + r) * this.obsDim);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('VectorEnv is closed');
  }
}
