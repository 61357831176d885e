/**
 * Scripted-expert success per Meta-World task over N episodes, noise-free and with Gaussian action
 * noise, as a markdown table. Success is measured within 500 steps (any step) and at the 200-step
 * Continual-World limit (any step and last step).
 *
 *   npx tsx scripts/metaworld-expert-table.ts [--tasks a-v2,b-v2|MT50] [--episodes 100] [--noise 0,0.1] [--seed 0]
 */
import { parseArgs } from 'node:util';
import { withGaussianNoise, scriptedPolicy } from '../src/envs/policies.ts';
import { listTasks, makeEnv, resolveTasks } from '../src/envs/registry.ts';
import { Rng } from '../src/envs/rng.ts';
import { mean, rollout } from '../src/envs/rollout.ts';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string' },
    episodes: { type: 'string', default: '100' },
    noise: { type: 'string', default: '0,0.1' },
    seed: { type: 'string', default: '0' },
  },
});
const episodes = Number(values.episodes);
const seed = Number(values.seed);
const noises = values.noise!.split(',').map(Number);
if (!Number.isInteger(episodes) || episodes < 1) throw new Error(`--episodes must be a positive integer, got ${values.episodes}`);
if (noises.some((n) => !(n >= 0))) throw new Error(`--noise must be comma-separated numbers >= 0, got ${values.noise}`);

const registered = new Set((await listTasks()).filter((t) => t.domain === 'metaworld').map((t) => t.name));
const tasks = values.tasks ? (await resolveTasks(values.tasks)).filter((t) => registered.has(t)) : [...registered].sort();

const header = ['task', ...noises.flatMap((n) => [`σ=${n} ≤500 any`, `σ=${n} 200 any`, `σ=${n} 200 last`, `σ=${n} return(200)`])];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const task of tasks) {
  const cells: string[] = [task];
  for (const noise of noises) {
    const policyFor = async (tag: number) => {
      const base = await scriptedPolicy(task);
      return (ep: number) => withGaussianNoise(base, noise, { shape: [4], low: new Float64Array([-1, -1, -1, -1]), high: new Float64Array([1, 1, 1, 1]) }, new Rng(seed * 1000003 + ep * 7919 + tag));
    };
    const long = await makeEnv(task, { maxEpisodeSteps: 500 });
    const s500 = rollout(long, await policyFor(1), { seed, episodes, stopOnSuccess: true });
    long.close();
    const short = await makeEnv(task);
    const s200 = rollout(short, await policyFor(2), { seed, episodes });
    short.close();
    const pct = (x: number): string => `${Math.round(100 * x)}%`;
    cells.push(
      pct(mean(s500.map((s) => s.success))),
      pct(mean(s200.map((s) => s.success))),
      pct(mean(s200.map((s) => s.finalSuccess))),
      mean(s200.map((s) => s.return)).toFixed(0),
    );
  }
  console.log(`| ${cells.join(' | ')} |`);
}
