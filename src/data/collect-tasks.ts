/**
 * Collecting many tasks: one task at a time per worker process (each with its own MuJoCo), tasks
 * handed out from a queue. With one worker everything runs in this process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeEnv } from '../envs/registry.ts';
import { collect, type CollectResult, type EpisodeSummary } from './collect.ts';
import { collectPolicyModule, makeCollectPolicy, type PolicySpec } from './collect-policy.ts';

export interface TaskJob {
  out: string;
  episodes: number;
  seed: number;
  resume?: boolean;
  force?: boolean;
  maxEpisodeSteps?: number;
  policy: PolicySpec;
}

export interface CollectTasksOptions extends TaskJob {
  workers: number;
  onTaskStart?(task: string, worker: number): void;
  onEpisode?(e: EpisodeSummary, worker: number): void;
  onTaskEnd?(result: CollectResult | { task: string; error: string }, worker: number): void;
  /** Checked between episodes and tasks; true stops the run (resumable). */
  shouldStop?(): boolean;
}

export interface CollectTasksResult {
  results: CollectResult[];
  failures: { task: string; error: string }[];
  /** Tasks not started because of a stop request. */
  notStarted: string[];
}

/** Builds the task's environment and policy and collects its dataset (in this process). */
export async function runTask(task: string, job: TaskJob, hooks: { onEpisode?(e: EpisodeSummary): void; shouldStop?(): boolean } = {}): Promise<CollectResult> {
  const env = await makeEnv(task, { obsLayout: 'flat', maxEpisodeSteps: job.maxEpisodeSteps });
  try {
    const policy = await makeCollectPolicy(job.policy, task, env, { out: job.out, seed: job.seed, episodes: job.episodes, resume: job.resume, force: job.force });
    return await collect(task, policy, { ...job, env, onEpisode: hooks.onEpisode, shouldStop: hooks.shouldStop });
  } finally {
    env.close();
  }
}

/** `modules`: what the worker imports first, the modules that registered the job's policy kind outside the data layer. */
export type WorkerRequest = { type: 'run'; task: string; job: TaskJob; modules: string[] } | { type: 'stop' } | { type: 'exit' };
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'episode'; summary: EpisodeSummary }
  | { type: 'done'; result: CollectResult }
  | { type: 'failed'; task: string; error: string };

const WORKER = fileURLToPath(new URL('./collect-worker.ts', import.meta.url));

function spawnWorker(): ChildProcess {
  const tsx = import.meta.resolve('tsx');
  return fork(WORKER, [], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export async function collectTasks(tasks: string[], opts: CollectTasksOptions): Promise<CollectTasksResult> {
  const { workers, onTaskStart, onEpisode, onTaskEnd, shouldStop, ...job } = opts;
  const results: CollectResult[] = [];
  const failures: { task: string; error: string }[] = [];
  const queue = [...tasks];
  if (workers <= 1) {
    while (queue.length && !shouldStop?.()) {
      const task = queue.shift()!;
      onTaskStart?.(task, 0);
      try {
        const r = await runTask(task, job, { onEpisode: (e) => onEpisode?.(e, 0), shouldStop });
        results.push(r);
        onTaskEnd?.(r, 0);
      } catch (err) {
        const f = { task, error: (err as Error).message };
        failures.push(f);
        onTaskEnd?.(f, 0);
      }
    }
    return { results, failures, notStarted: queue };
  }

  const count = Math.min(workers, tasks.length);
  const runOne = (slot: number): Promise<void> =>
    new Promise((resolve) => {
      const child = spawnWorker();
      let current: string | undefined;
      const next = (): void => {
        if (shouldStop?.() || queue.length === 0) {
          current = undefined;
          child.send({ type: 'exit' } satisfies WorkerRequest);
          return;
        }
        current = queue.shift()!;
        onTaskStart?.(current, slot);
        const module = collectPolicyModule(job.policy.kind);
        child.send({ type: 'run', task: current, job, modules: module ? [module] : [] } satisfies WorkerRequest);
      };
      let stopSent = false;
      const poll = setInterval(() => {
        if (!stopSent && current && child.connected && shouldStop?.()) {
          stopSent = true;
          child.send({ type: 'stop' } satisfies WorkerRequest);
        }
      }, 200);
      child.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') next();
        else if (msg.type === 'episode') onEpisode?.(msg.summary, slot);
        else if (msg.type === 'done') {
          results.push(msg.result);
          onTaskEnd?.(msg.result, slot);
          next();
        } else if (msg.type === 'failed') {
          const f = { task: msg.task, error: msg.error };
          failures.push(f);
          onTaskEnd?.(f, slot);
          next();
        }
      });
      child.on('exit', (code, signal) => {
        clearInterval(poll);
        if (current) {
          const f = { task: current, error: `worker process exited (${signal ?? `code ${code}`}) while collecting` };
          failures.push(f);
          onTaskEnd?.(f, slot);
          current = undefined;
          // Replace the lost worker while tasks remain.
          if (queue.length && !shouldStop?.()) {
            runOne(slot).then(resolve);
            return;
          }
        }
        resolve();
      });
    });
  await Promise.all(Array.from({ length: count }, (_, i) => runOne(i)));
  return { results, failures, notStarted: queue };
}
