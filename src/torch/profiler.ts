/**
 * Where a piece of code spends its time, measured by the addon on the calling thread: each addon
 * call (and the part of it inside libtorch), libtorch's own events (ATen operators and autograd
 * nodes, as self time), and CPU allocations. Off unless started; off, it costs nothing measurable.
 *
 *   const { result, report } = torch.profiler.profile(() => step());
 *
 * `ops` gives self time by (context, name). The context is the outermost event: the operator the
 * addon called (`aten::linear`), or for backward work the autograd node and the outermost forward
 * operator that recorded it (`MmBackward0 <- aten::linear`); "(allocation)" and "(free)" rows are the
 * CPU allocator's time inside that context, not counted in the operators' self time. Only the calling
 * thread is timed (with one intra-op thread everything runs there; BLAS threads are not seen).
 */
import { native } from './native.ts';

/** 'wall': CLOCK_MONOTONIC, cheap (about 30 ns a read). 'thread-cpu': this thread's CPU time, exact
 * on a busy machine, but each read costs about 1 us, which the profile includes. */
export type ProfilerClock = 'wall' | 'thread-cpu';

export interface OpTime {
  context: string;
  name: string;
  selfMs: number;
  calls: number;
}

export interface CallTime {
  /** The addon function (the `native.*` name). */
  name: string;
  ms: number;
  /** Of which inside libtorch: its events and allocations. The rest is the binding's own work. */
  libtorchMs: number;
  calls: number;
}

export interface ProfileReport {
  clock: ProfilerClock;
  /** Time from start to stop on `clock`. */
  totalMs: number;
  /** The thread's CPU time from start to stop (always measured). */
  threadCpuMs: number;
  /** Time inside addon calls; totalMs - nativeMs is JavaScript (including garbage collection). */
  nativeMs: number;
  /** Time inside libtorch (events and allocations); nativeMs - libtorchMs is the binding's own. */
  libtorchMs: number;
  /** Sorted by selfMs, largest first. */
  ops: OpTime[];
  /** Sorted by ms, largest first. */
  calls: CallTime[];
  allocation: { timed: boolean; count: number; bytes: number; ms: number; frees: number; freeMs: number };
  /** libtorch events seen on other threads, which are not timed (0 with one intra-op thread). */
  eventsElsewhere: number;
}

interface RawReport {
  clock: ProfilerClock;
  elapsedNs: number;
  threadCpuNs: number;
  insideNs: number;
  eventsElsewhere: number;
  ops: Array<{ context: string; name: string; selfNs: number; calls: number }>;
  calls: Array<{ name: string; ns: number; insideNs: number; calls: number }>;
  allocation: { timed: boolean; count: number; bytes: number; ns: number; frees: number; freeNs: number };
}

const ms = (ns: number): number => ns / 1e6;

/** Starts timing this thread. Throws if a profile is already running. */
export function start(opts: { clock?: ProfilerClock } = {}): void {
  native.profilerStart(opts.clock ?? 'wall');
}

/** Stops the profile started by `start` and returns what it measured. */
export function stop(): ProfileReport {
  const r = native.profilerStop() as RawReport;
  const calls = r.calls.map((c) => ({ name: c.name, ms: ms(c.ns), libtorchMs: ms(c.insideNs), calls: c.calls }));
  // The stop call itself is still open when the addon reports, so it is not in `calls`.
  return {
    clock: r.clock,
    totalMs: ms(r.elapsedNs),
    threadCpuMs: ms(r.threadCpuNs),
    nativeMs: calls.reduce((s, c) => s + c.ms, 0),
    libtorchMs: ms(r.insideNs),
    ops: r.ops.map((o) => ({ context: o.context, name: o.name, selfMs: ms(o.selfNs), calls: o.calls })).sort((a, b) => b.selfMs - a.selfMs),
    calls: calls.sort((a, b) => b.ms - a.ms),
    allocation: { timed: r.allocation.timed, count: r.allocation.count, bytes: r.allocation.bytes, ms: ms(r.allocation.ns), frees: r.allocation.frees, freeMs: ms(r.allocation.freeNs) },
    eventsElsewhere: r.eventsElsewhere,
  };
}

/** Runs fn (synchronous) under the profiler; stops it whatever fn does. */
export function profile<T>(fn: () => T, opts: { clock?: ProfilerClock } = {}): { result: T; report: ProfileReport } {
  start(opts);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    stop();
    throw err;
  }
  const report = stop();
  if (result instanceof Promise) throw new Error('profile() takes a synchronous function');
  return { result, report };
}
