/**
 * A child process of the SAC collection's process split (`sac-processes.ts`): trains its share of the
 * tasks as one batch (`collectSacBatched`) and reports to its parent over IPC. Ctrl-C reaches the
 * whole process group: the parent decides (a stop request comes as a message). When the parent is gone
 * (killed), the child exits at its next step; its outputs are safe to resume at any moment.
 */
import { collectSacBatched } from './sac-batched-collect.ts';
import type { ChildOptions, FromChild, ToChild } from './sac-processes.ts';

const parent = process.ppid;
let stop = false;
let aborted = false;
let decide: ((go: boolean) => void) | undefined;

process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(1));

function send(m: FromChild, then?: () => void): void {
  if (!process.connected) process.exit(1);
  process.send!(m, undefined, {}, () => then?.());
}

async function run(opts: ChildOptions): Promise<void> {
  try {
    const result = await collectSacBatched({
      ...opts,
      processes: 1,
      beforeTraining: () => {
        send({ type: 'opened' });
        return aborted ? Promise.resolve(false) : new Promise<boolean>((resolve) => (decide = resolve));
      },
      shouldStop: () => stop,
      onStep: () => {
        if (process.ppid !== parent) process.exit(1);
      },
      onStart: (stepsPerTask) => send({ type: 'start', stepsPerTask }),
      onEpisode: (e) => send({ type: 'episode', e }),
      onProgress: (steps) => send({ type: 'progress', steps: [...steps] }),
    });
    send({ type: 'done', result }, () => process.exit(0));
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
  }
}

process.on('message', (m: ToChild) => {
  switch (m.type) {
    case 'run':
      void run(m.opts);
      break;
    case 'go':
    case 'abort':
      aborted = m.type === 'abort';
      decide?.(m.type === 'go');
      break;
    case 'stop':
      stop = true;
      break;
  }
});
