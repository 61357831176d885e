/**
 * Environment throughput: full env steps/s per task vs the raw mj_step rate of the same scene
 * (÷ frame_skip 5: what a control step costs in physics alone), the reset cost, and VectorEnv
 * throughput in-thread, on 1 and on 2 workers. Raw and env runs alternate in rounds and the best
 * round counts, so a busy machine disturbs the ratio less.
 *
 *   npx tsx bench/envs.ts [--tasks reach-v2,push-v2] [--steps 4000] [--rounds 5] [--envs 8]
 */
import { parseArgs } from 'node:util';
import { getMujoco, loadModel } from '../src/envs/mujoco.ts';
import { makeEnv } from '../src/envs/registry.ts';
import { metaworldTasks } from '../src/envs/metaworld/index.ts';
import { VectorEnv } from '../src/envs/vector.ts';
import { printBlasCore } from './blas-core.ts';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: 'reach-v2,push-v2,pick-place-v2,drawer-open-v2' },
    steps: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '5' },
    envs: { type: 'string', default: '8' },
  },
});
const tasks = values.tasks!.split(',');
const steps = Number(values.steps);
const rounds = Number(values.rounds);
const numEnvs = Number(values.envs);
const WARMUP = 20000; // physics steps: the wasm JIT runs at about half speed for the first ~20k

const mj = await getMujoco();
const action = (t: number): number[] => [Math.sin(t / 9), Math.cos(t / 7), Math.sin(t / 5), Math.cos(t / 11)];

function rate(n: number, fn: () => void): number {
  const t0 = performance.now();
  fn();
  return n / ((performance.now() - t0) / 1000);
}

printBlasCore({ usesBlas: false });
console.log('| task | raw mj_step/s | raw control steps/s (÷5) | env steps/s | overhead × | reset ms | env steps/s incl. a reset per 200 |');
console.log('|---|---|---|---|---|---|---|');
for (const name of tasks) {
  const task = metaworldTasks.get(name);
  if (!task) throw new Error(`unknown Meta-World task '${name}'`);
  const model = await loadModel(`metaworld/sawyer_xyz/${task.scene}`);
  const data = new mj.MjData(model);
  const env = await makeEnv(name, { maxEpisodeSteps: 1e9 });
  env.reset(0);
  for (let i = 0; i < WARMUP; i++) mj.mj_step(model, data);
  for (let i = 0; i < WARMUP / 5; i++) env.step(action(i));
  let raw = 0;
  let full = 0;
  let resetMs = Infinity;
  for (let r = 0; r < rounds; r++) {
    raw = Math.max(raw, rate(5 * steps, () => {
      for (let i = 0; i < 5 * steps; i++) mj.mj_step(model, data);
    }));
    full = Math.max(full, rate(steps, () => {
      for (let i = 0; i < steps; i++) env.step(action(i));
    }));
    resetMs = Math.min(resetMs, 1000 / rate(20, () => {
      for (let i = 0; i < 20; i++) env.reset(i);
    }));
  }
  data.delete();
  model.delete();
  env.close();
  const withResets = 200 / (200 / full + resetMs / 1000);
  console.log(`| ${name} | ${raw.toFixed(0)} | ${(raw / 5).toFixed(0)} | ${full.toFixed(0)} | ${(raw / 5 / full).toFixed(2)} | ${resetMs.toFixed(2)} | ${withResets.toFixed(0)} |`);
}

const vecTask = tasks[1] ?? tasks[0];
console.log(`\nVectorEnv, ${numEnvs} × ${vecTask} (auto-reset every 200 steps), best of ${rounds} rounds of ${steps} env steps:`);
const results: number[] = [];
for (const workers of [0, 1, 2]) {
  const v = await VectorEnv.create({ tasks: new Array(numEnvs).fill(vecTask), workers });
  await v.reset();
  const a = new Float64Array(numEnvs * 4);
  const batchSteps = Math.ceil(steps / numEnvs);
  let t = 0;
  const run = async (n: number): Promise<void> => {
    for (let k = 0; k < n; k++, t++) {
      for (let i = 0; i < numEnvs; i++) a.set(action(t + i), 4 * i);
      await v.step(a);
    }
  };
  await run(Math.ceil(WARMUP / 5 / numEnvs) * Math.max(1, Math.ceil(numEnvs / Math.max(workers, 1))));
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await run(batchSteps);
    best = Math.max(best, (batchSteps * numEnvs) / ((performance.now() - t0) / 1000));
  }
  results[workers] = best;
  await v.close();
  console.log(`  ${workers === 0 ? 'in-thread' : `${workers} worker${workers > 1 ? 's' : ''}`}: ${best.toFixed(0)} env steps/s`);
}
console.log(`  2 workers / 1 worker: ${(results[2] / results[1]).toFixed(2)}×`);
