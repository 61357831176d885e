// Worker entry of VectorEnv: registers tsx in this thread (an `--import tsx` execArgv does not reach
// worker threads on Node 20), then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./vector-worker.ts');
