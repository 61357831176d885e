/**
 * DMControl speed per domain: raw `mj_step` calls per second on the task's model, the control-step
 * rate that allows (raw / substeps), and our `env.step` rate (legacy stepping, reward, observation
 * parts, 204-d vector, random actions); resets are timed apart. Each measurement runs after a
 * warm-up, since the first ~20k steps of a process run at about half speed (JIT), and raw and env
 * measurements alternate for `--rounds` rounds, keeping the best of each (the machine is shared).
 *
 *   npx tsx bench/dmc.ts [--seconds 0.4] [--rounds 5] [--tasks walker-walk,cheetah-run]
 */
import { parseArgs } from 'node:util';
import { makeDmcEnv } from '../src/envs/dmc/index.ts';
import { Rng } from '../src/envs/rng.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '0.4' }, rounds: { type: 'string', default: '5' }, tasks: { type: 'string' } } });
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
if (!(seconds > 0) || !Number.isInteger(rounds) || rounds < 1) throw new Error('--seconds must be > 0 and --rounds a positive integer');
const DOMAINS = values.tasks?.split(',') ?? [
  'cartpole-swingup', 'pendulum-swingup', 'point_mass-easy', 'reacher-easy', 'finger-spin', 'fish-upright', 'hopper-stand', 'walker-walk', 'ball_in_cup-catch', 'cheetah-run',
];

/** Calls `fn` in batches until `seconds` have passed; returns calls per second. */
function rate(fn: () => void, batch: number, secs: number): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < secs * 1000) {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

console.log(`node ${process.version}; best of ${rounds} rounds of ${seconds} s per measurement, after warm-up\n`);
console.log('| task | substeps | raw mj_step/s | allows control steps/s | env.step/s | ratio | resets/s |');
console.log('|---|---|---|---|---|---|---|');
for (const task of DOMAINS) {
  const env = await makeDmcEnv(task);
  const rng = new Rng(0);
  const actions = Array.from({ length: 1000 }, () => rng.uniformBox(env.actionSpace.low, env.actionSpace.high));
  const sub = env.physics.nSubSteps;

  const raw = (): void => env.physics.rawStep();
  let t = 0;
  const step = (): void => {
    if (t === env.maxEpisodeSteps) {
      env.reset();
      t = 0;
    }
    env.step(actions[t++ % 1000]);
  };
  env.reset(0);
  rate(raw, 1000, 0.5); // warm-up
  env.reset(1);
  rate(step, 100, 0.5);
  let rawRate = 0;
  let withResets = 0;
  let resetRate = 0;
  for (let r = 0; r < rounds; r++) {
    env.reset(0);
    rawRate = Math.max(rawRate, rate(raw, 1000, seconds));
    resetRate = Math.max(resetRate, rate(() => env.reset(), 5, seconds / 2));
    t = 0;
    withResets = Math.max(withResets, rate(step, 100, seconds));
  }
  // steps only: take out the time of the resets inside the stepping loop
  const stepRate = 1 / (1 / withResets - 1 / (env.maxEpisodeSteps * resetRate));
  const allowed = rawRate / sub;
  console.log(`| ${task} | ${sub} | ${Math.round(rawRate)} | ${Math.round(allowed)} | ${Math.round(stepRate)} | ${(stepRate / allowed).toFixed(2)} | ${Math.round(resetRate)} |`);
  env.close();
}
