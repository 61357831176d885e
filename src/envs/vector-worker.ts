/** Worker thread of `VectorEnv`: owns an `EnvBatch` and answers reset/step/close messages. */
import { parentPort, workerData } from 'node:worker_threads';
import { setAssetDir } from './mujoco.ts';
import { EnvBatch, type BatchSpec } from './vector-batch.ts';

export type WorkerCommand = { op: 'reset'; seeds?: number[] } | { op: 'step'; actions: Float64Array; rows?: number[] } | { op: 'close' };
export type WorkerRequest = WorkerCommand & { id: number };

const port = parentPort;
if (!port) throw new Error('vector-worker.ts must run in a worker thread');
const { spec, assets } = workerData as { spec: BatchSpec; assets: string };
setAssetDir(assets);

let batch: EnvBatch;
try {
  batch = await EnvBatch.create(spec);
  port.postMessage({ id: 0, ok: true, value: { shape: batch.shape(), obsDim: batch.obsDim, actDim: batch.actDim } });
} catch (err) {
  port.postMessage({ id: 0, ok: false, error: (err as Error).message });
  process.exit(0);
}

port.on('message', (msg: WorkerRequest) => {
  try {
    if (msg.op === 'reset') {
      const obs = batch.reset(msg.seeds);
      port.postMessage({ id: msg.id, ok: true, value: obs }, [obs.buffer as ArrayBuffer]);
    } else if (msg.op === 'step') {
      const r = batch.step(msg.actions, msg.rows);
      port.postMessage({ id: msg.id, ok: true, value: r }, [r.obs, r.rewards, r.terminated, r.truncated, r.success, r.finalObs].map((a) => a.buffer as ArrayBuffer));
    } else {
      batch.close();
      port.postMessage({ id: msg.id, ok: true, value: null });
      port.close();
    }
  } catch (err) {
    port.postMessage({ id: msg.id, ok: false, error: (err as Error).message });
  }
});
