// Entry of a SAC collection child process (sac-processes.ts forks it): registers tsx, then loads the
// TypeScript child. mujoco-js is imported first, before tsx, as in the environment workers
// (src/envs/vector-worker-entry.mjs): loaded through tsx its 11 MB file costs about 100 MB more.
import 'mujoco-js';
import { register } from 'tsx/esm/api';

register();
await import('./sac-process.ts');
