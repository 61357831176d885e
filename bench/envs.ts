/**
 * Environment throughput: full env steps/s per task vs the raw mj_step rate of the same scene
 * (÷ frame_skip 5, i.e. the best a control step could cost), and VectorEnv throughput on 1 vs 2 workers.
 *
 *   npx tsx bench/envs.ts [--tasks reach-v2,push-v2] [--steps 20000] [--envs 8]
 */
import { parseArgs } from 'node:util';
import { getMujoco, loadModel } from '../src/envs/mujoco.ts';
import { makeEnv } from '../src/envs/registry.ts';
import { metaworldTasks } from '../src/envs/metaworld/index.ts';
import { VectorEnv } from '../src/envs/vector.ts';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: 'reach-v2,push-v2,pick-place-v2,drawer-open-v2' },
    steps: { type: 'string', default: '20000' },
    envs: { type: 'string', default: '8' },
  },
});
const tasks = values.tasks!.split(',');
const steps = Number(values.steps);
const numEnvs = Number(values.envs);
const WARMUP = 20000; // the wasm JIT runs at about half speed for the first ~20k steps

const mj = await getMujoco();
const action = (t: number): number[] => [Math.sin(t / 9), Math.cos(t / 7), Math.sin(t / 5), Math.cos(t / 11)];

function rate(n: number, fn: () => void): number {
  const t0 = performance.now();
  fn();
  return n / ((performance.now() - t0) / 1000);
}

console.log(`| task | raw mj_step/s | raw control steps/s (÷5) | env steps/s | overhead × | reset ms | env steps/s with a reset every 200 |`);
console.log('|---|---|---|---|---|---|---|');
for (const name of tasks) {
  const task = metaworldTasks.get(name);
  if (!task) throw new Error(`unknown Meta-World task '${name}'`);
  const model = await loadModel(`metaworld/sawyer_xyz/${task.scene}`);
  const data = new mj.MjData(model);
  for (let i = 0; i < WARMUP; i++) mj.mj_step(model, data);
  const raw = rate(5 * steps, () => {
    for (let i = 0; i < 5 * steps; i++) mj.mj_step(model, data);
  });
  data.delete();
  model.delete();

  const env = await makeEnv(name, { maxEpisodeSteps: WARMUP + steps + 1 });
  env.reset(0);
  for (let i = 0; i < WARMUP / 5; i++) env.step(action(i));
  const full = rate(steps, () => {
    for (let i = 0; i < steps; i++) env.step(action(i));
  });
  const resets = 100;
  const resetMs = 1000 / rate(resets, () => {
    for (let i = 0; i < resets; i++) env.reset(i);
  });
  env.close();
  const withResets = 200 / (200 / full + resetMs / 1000);
  console.log(`| ${name} | ${raw.toFixed(0)} | ${(raw / 5).toFixed(0)} | ${full.toFixed(0)} | ${(raw / 5 / full).toFixed(2)} | ${resetMs.toFixed(1)} | ${withResets.toFixed(0)} |`);
}

console.log(`\nVectorEnv, ${numEnvs} × ${tasks[1] ?? tasks[0]}, ${steps} env steps in total after warm-up:`);
const vecTask = tasks[1] ?? tasks[0];
const results: Record<number, number> = {};
for (const workers of [0, 1, 2]) {
  const v = await VectorEnv.create({ tasks: new Array(numEnvs).fill(vecTask), workers });
  await v.reset();
  const a = new Float64Array(numEnvs * 4);
  const batchSteps = Math.ceil(steps / numEnvs);
  const warm = Math.ceil(WARMUP / 5 / numEnvs) * (workers === 0 ? 1 : numEnvs / Math.max(workers, 1));
  for (let t = 0; t < warm; t++) {
    for (let i = 0; i < numEnvs; i++) a.set(action(t + i), 4 * i);
    await v.step(a);
  }
  const t0 = performance.now();
  for (let t = 0; t < batchSteps; t++) {
    for (let i = 0; i < numEnvs; i++) a.set(action(t + i), 4 * i);
    await v.step(a);
  }
  results[workers] = (batchSteps * numEnvs) / ((performance.now() - t0) / 1000);
  await v.close();
  console.log(`  ${workers === 0 ? 'in-thread' : `${workers} worker${workers > 1 ? 's' : ''}`}: ${results[workers].toFixed(0)} env steps/s`);
}
console.log(`  2 workers / 1 worker: ${(results[2] / results[1]).toFixed(2)}×`);
