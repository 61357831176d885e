/**
 * The SAC collection split over processes (`collectSacBatched` with `processes` > 1): the tasks are
 * divided into that many groups, in order, and each group is trained as one batch by a child process
 * (`sac-process.ts`) with its share of the cores (BLAS and intra-op threads: cores / processes).
 *
 * Why processes: one SAC update is about three quarters matrix products and one quarter elementwise
 * work, optimiser and small operations (docs/performance.md, "SAC updates"). In one process only the
 * products use both cores (OpenBLAS threads) and the rest runs on one, so two cores give at most about
 * 1.6x; two processes of half the tasks each keep both cores busy with everything. Per-task results do
 * not depend on which tasks share a batch, so the datasets are those of one process (and of the
 * task-by-task policy) with the same BLAS kernels and BLAS thread count (docs/data.md).
 *
 * The parent checks the options once, then starts the children; each opens its tasks' outputs and
 * reports; only when every child has (no error anywhere) do they start training, so a refused run
 * (an unfinished collection without --resume, other settings) leaves nothing behind. Events (start,
 * episodes, progress) come back over IPC to the caller's callbacks; a stop request reaches every child,
 * which stops between episodes. A child exits at its next step when its parent is gone (killed), and a
 * failure anywhere kills the other children: every task's output is safe to resume at any moment.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CollectResult, EpisodeSummary } from '../data/collect.ts';
import { checkSacCollection, type SacBatchedCollectOptions, type SacBatchedCollectResult } from './sac-batched-collect.ts';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sac-process-entry.mjs');

/** The options a child runs with (the serialisable part of `SacBatchedCollectOptions`). */
export type ChildOptions = Pick<SacBatchedCollectOptions, 'tasks' | 'out' | 'episodes' | 'steps' | 'seed' | 'config' | 'resume' | 'force' | 'maxEpisodeSteps' | 'workers' | 'progressEvery'>;

export type ToChild = { type: 'run'; opts: ChildOptions } | { type: 'go' } | { type: 'abort' } | { type: 'stop' };
export type FromChild =
  | { type: 'opened' }
  | { type: 'start'; stepsPerTask: number }
  | { type: 'episode'; e: EpisodeSummary }
  | { type: 'progress'; steps: [string, number][] }
  | { type: 'done'; result: SacBatchedCollectResult }
  | { type: 'error'; message: string };

/** `tasks` in `n` consecutive groups of near-equal size (the first ones one larger). */
export function splitTasks(tasks: string[], n: number): string[][] {
  const groups: string[][] = [];
  let at = 0;
  for (let g = 0; g < n; g++) {
    const size = Math.floor(tasks.length / n) + (g < tasks.length % n ? 1 : 0);
    groups.push(tasks.slice(at, at + size));
    at += size;
  }
  return groups.filter((g) => g.length > 0);
}

/** Thread settings for each of `processes` children: the cores shared out, unless the environment sets them. */
export function childThreadEnv(processes: number, env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): Record<string, string> {
  const share = Math.max(1, Math.floor(cores / processes));
  const blas = env.L2M_BLAS_THREADS || String(share);
  return {
    L2M_THREADS: env.L2M_THREADS || String(share <= 2 ? 1 : share),
    L2M_BLAS_THREADS: blas,
    // OpenBLAS starts its threads when it loads: as many as each child uses.
    OPENBLAS_NUM_THREADS: blas,
  };
}

export async function collectSacInProcesses(opts: SacBatchedCollectOptions, processes: number): Promise<SacBatchedCollectResult> {
  const plan = await checkSacCollection(opts); // the user's errors once, before any process starts
  const groups = splitTasks(opts.tasks, Math.min(processes, opts.tasks.length));
  const env = { ...process.env, ...childThreadEnv(groups.length) };
  const children: ChildProcess[] = groups.map(() => fork(ENTRY, [], { env, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' }));
  const state = children.map(() => ({ opened: false, exited: false, result: undefined as SacBatchedCollectResult | undefined }));
  const progress = new Map<string, number>();
  let failure: Error | undefined;
  let go = false;
  let started = false;
  let stopSent = false;
  const send = (i: number, m: ToChild): void => {
    if (!state[i]!.exited && children[i]!.connected) children[i]!.send(m);
  };
  const fail = (err: Error): void => {
    if (failure) return;
    failure = err;
    children.forEach((c, i) => {
      if (state[i]!.exited) return;
      if (go) c.kill('SIGKILL'); // outputs are safe to resume at any moment
      else send(i, { type: 'abort' }); // nothing trained yet: close and remove what was created
    });
  };
  const checkStop = (): void => {
    if (stopSent || failure || !opts.shouldStop?.()) return;
    stopSent = true;
    children.forEach((_, i) => send(i, { type: 'stop' }));
  };
  const poll = setInterval(checkStop, 200);
  try {
    await new Promise<void>((resolve) => {
      const settle = (): void => {
        if (state.every((s) => s.exited)) resolve();
      };
      children.forEach((child, i) => {
        const tasks = groups[i]!;
        child.on('message', (m: FromChild) => {
          try {
            switch (m.type) {
              case 'opened':
                state[i]!.opened = true;
                if (failure) send(i, { type: 'abort' });
                else if (state.every((s) => s.opened)) {
                  go = true;
                  children.forEach((_, j) => send(j, { type: 'go' }));
                }
                break;
              case 'start':
                if (!started) opts.onStart?.(m.stepsPerTask);
                started = true;
                break;
              case 'episode':
                opts.onEpisode?.(m.e);
                break;
              case 'progress':
                for (const [t, n] of m.steps) progress.set(t, n);
                // Once every process has reported: every task's steps, in the caller's order.
                if (progress.size === opts.tasks.length) opts.onProgress?.(new Map(opts.tasks.map((t) => [t, progress.get(t)!])));
                break;
              case 'done':
                state[i]!.result = m.result;
                break;
              case 'error':
                fail(new Error(m.message));
                break;
            }
            checkStop();
          } catch (err) {
            fail(err instanceof Error ? err : new Error(String(err)));
          }
        });
        child.on('error', (err) => {
          fail(err);
          if (child.pid === undefined) {
            state[i]!.exited = true; // never started: no exit event comes
            settle();
          }
        });
        child.on('exit', (code, signal) => {
          state[i]!.exited = true;
          if (!state[i]!.result) fail(new Error(`sac collection: the process training ${tasks.join(', ')} ended (${signal ?? `exit code ${code}`}) before finishing`));
          settle();
        });
        child.send({ type: 'run', opts: childOptions(opts, tasks) } satisfies ToChild);
      });
    });
  } finally {
    clearInterval(poll);
  }
  if (failure) throw failure;
  const byTask = new Map<string, CollectResult>();
  for (const s of state) for (const r of s.result!.results) byTask.set(r.task, r);
  return { results: opts.tasks.map((t) => byTask.get(t)!), episodes: plan.episodes, stopped: state.some((s) => s.result!.stopped) };
}

function childOptions(opts: SacBatchedCollectOptions, tasks: string[]): ChildOptions {
  const { out, episodes, steps, seed, config, resume, force, maxEpisodeSteps, progressEvery } = opts;
  // Environments step in the child's own thread unless asked otherwise (they cost under 1% of an update).
  return { tasks, out, episodes, steps, seed, config, resume, force, maxEpisodeSteps, workers: opts.workers ?? 0, progressEvery };
}
