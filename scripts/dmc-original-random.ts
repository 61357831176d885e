/**
 * Replays the original L2M's R_random measurement (dmc2gym seed 1: dm_control's initial states and
 * gym's action samples, 10 episodes) on our physics and compares with its published R_random.
 *
 *   npx tsx scripts/dmc-original-random.ts [--tasks DMC16]
 *
 * Differences come only from the physics (MuJoCo 3.3.8 in wasm vs the original's MuJoCo 2.1 native);
 * chaotic tasks (the walker) amplify last-bit differences, so their means move by about as much as
 * a 1e-12 change of the initial state moves them.
 */
import { parseArgs } from 'node:util';
import { DMC16, DMC_SCORE_REFERENCES, DMC_TASKS } from '../src/envs/dmc/index.ts';
import { originalRandomReturns } from '../src/envs/dmc/original-random.ts';
import { resolveTasks } from '../src/envs/registry.ts';

const { values } = parseArgs({ options: { tasks: { type: 'string' } } });
const tasks = values.tasks ? await resolveTasks(values.tasks) : DMC16;
console.log('| task | ours (original protocol) | original R_random | difference | per-episode returns |');
console.log('|---|---|---|---|---|');
for (const task of tasks) {
  const spec = DMC_TASKS[task];
  if (!spec) throw new Error(`'${task}' is not a DMControl task`);
  const returns = await originalRandomReturns(spec);
  const m = returns.reduce((a, b) => a + b, 0) / returns.length;
  const ref = DMC_SCORE_REFERENCES[task].random;
  console.log(`| ${task} | ${m.toFixed(3)} | ${ref.toFixed(3)} | ${(m - ref).toFixed(3)} | ${returns.map((r) => r.toFixed(1)).join(' ')} |`);
}
