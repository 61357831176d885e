/** Child process of `collectTasks`: collects the tasks its parent sends, one at a time. */
import type { TaskJob, WorkerReply, WorkerRequest } from './collect-tasks.ts';
import { runTask } from './collect-tasks.ts';

const send = (msg: WorkerReply): void => {
  process.send?.(msg);
};

let stop = false;
let busy: Promise<void> = Promise.resolve();

async function run(task: string, job: TaskJob, modules: string[]): Promise<void> {
  stop = false;
  try {
    for (const m of modules) await import(m);
    const result = await runTask(task, job, { onEpisode: (summary) => send({ type: 'episode', summary }), shouldStop: () => stop });
    send({ type: 'done', result });
  } catch (err) {
    send({ type: 'failed', task, error: (err as Error).message });
  }
}

process.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'run') busy = busy.then(() => run(msg.task, msg.job, msg.modules));
  else if (msg.type === 'stop') stop = true;
  else if (msg.type === 'exit') busy.then(() => process.disconnect?.());
});
// The parent went away (killed): every finished episode is already committed, so just leave.
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group: finish the current episode, then stop.
process.on('SIGINT', () => {
  stop = true;
});
send({ type: 'ready' });
