// Worker entry of VectorEnv: registers tsx in this thread (an `--import tsx` execArgv does not reach
// worker threads on Node 20), then loads the TypeScript worker.
//
// mujoco-js is imported first, before tsx is registered: loaded through tsx, its 11 MB file gets its
// dynamic import rewritten and a source map built, about 100 MB per thread; loaded plainly it costs a
// few MB, and the TypeScript sources' later import of it finds the module already loaded.
import 'mujoco-js';
import { register } from 'tsx/esm/api';

register();
await import('./vector-worker.ts');
