/**
 * Uniform-random-policy returns of the 16 DMControl tasks next to the original L2M's R_random
 * (mean of 10 random episodes, `dmcontrol_dn_scores.py`), as a markdown table.
 *
 *   npx tsx scripts/dmc-random-table.ts [--episodes 20] [--seed 0] [--tasks walker-walk,DMC6]
 *
 * Episode i of a task resets with seed `seed + i`; actions come from one Rng seeded with `seed`.
 * `Δ/SE` is (ours − original) over the standard error of that difference, std·sqrt(1/N + 1/10),
 * using our std for both samples.
 */
import { parseArgs } from 'node:util';
import { DMC10, DMC16, DMC_SCORE_REFERENCES, normalizedScore } from '../src/envs/dmc/index.ts';
import { makeEnv, resolveTasks } from '../src/envs/registry.ts';
import { Rng } from '../src/envs/rng.ts';
import { mean, std } from '../src/envs/rollout.ts';

const { values } = parseArgs({
  options: { episodes: { type: 'string', default: '20' }, seed: { type: 'string', default: '0' }, tasks: { type: 'string' } },
});
const episodes = Number(values.episodes);
const seed = Number(values.seed);
if (!Number.isInteger(episodes) || episodes < 1) throw new Error(`--episodes must be a positive integer, got '${values.episodes}'`);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${values.seed}'`);
const tasks = values.tasks ? await resolveTasks(values.tasks) : DMC16;

const rows: string[] = [];
const t0 = performance.now();
for (const task of tasks) {
  const env = await makeEnv(task, { obsLayout: 'flat' });
  const rng = new Rng(seed);
  const returns: number[] = [];
  const start = performance.now();
  for (let ep = 0; ep < episodes; ep++) {
    env.reset(seed + ep);
    let ret = 0;
    for (let t = 0; t < env.maxEpisodeSteps; t++) ret += env.step(rng.uniformBox(env.actionSpace.low, env.actionSpace.high)).reward;
    returns.push(ret);
  }
  env.close();
  const m = mean(returns);
  const s = std(returns);
  const ref = DMC_SCORE_REFERENCES[task].random;
  const se = s * Math.sqrt(1 / episodes + 1 / 10);
  const z = se > 1e-9 ? ((m - ref) / se).toFixed(1) : '—'; // no spread: every episode returned about the same
  const set = DMC10.includes(task) ? 'DMC10' : 'DMC6';
  rows.push(`| ${task} | ${set} | ${m.toFixed(1)} ± ${s.toFixed(1)} | ${ref.toFixed(3)} | ${z} | ${normalizedScore(task, m).toFixed(3)} |`);
  console.error(`${task}: ${m.toFixed(1)} ± ${s.toFixed(1)} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
}
console.log(`Uniform random policy, ${episodes} episodes per task (seed ${seed}), ${((performance.now() - t0) / 1000).toFixed(0)} s in all\n`);
console.log('| task | set | ours: mean ± std | original R_random | Δ/SE | normalised score of our mean |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
