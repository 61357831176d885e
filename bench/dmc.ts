/**
 * DMControl speed per domain: raw `mj_step` calls per second on the task's model, the control-step
 * rate that allows (raw / substeps), and our `env.step` rate (legacy stepping, reward, observation
 * parts, 204-d vector), both over the same episodes and random actions; resets are timed apart. Each measurement runs after a
 * warm-up, since the first ~20k steps of a process run at about half speed (JIT), and raw and env
 * measurements alternate for `--rounds` rounds, keeping the best of each (the machine is shared).
 *
 *   npx tsx bench/dmc.ts [--seconds 0.4] [--rounds 5] [--tasks walker-walk,cheetah-run] [--layout l2m204|flat]
 */
import { parseArgs } from 'node:util';
import { makeDmcEnv } from '../src/envs/dmc/index.ts';
import { Rng } from '../src/envs/rng.ts';
import { printBlasCore } from './blas-core.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '0.4' }, rounds: { type: 'string', default: '5' }, tasks: { type: 'string' }, layout: { type: 'string', default: 'l2m204' } } });
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
if (!(seconds > 0) || !Number.isInteger(rounds) || rounds < 1) throw new Error('--seconds must be > 0 and --rounds a positive integer');
const layout = values.layout;
if (layout !== 'l2m204' && layout !== 'flat') throw new Error(`--layout must be l2m204 or flat, got '${layout}'`);
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

console.log(`node ${process.version}; obs layout ${layout}; best of ${rounds} rounds of ${seconds} s per measurement, after warm-up`);
printBlasCore({ usesBlas: false });
console.log('');
console.log('| task | substeps | raw mj_step/s | allows control steps/s | env.step/s | ratio | resets/s |');
console.log('|---|---|---|---|---|---|---|');
for (const task of DOMAINS) {
  const env = await makeDmcEnv(task, { obsLayout: layout });
  const rng = new Rng(0);
  // (actions drawn once, so that both loops replay the same trajectories)
  const actions = Array.from({ length: 1000 }, () => rng.uniformBox(env.actionSpace.low, env.actionSpace.high));
  const sub = env.physics.nSubSteps;

  // The same episodes (seed 1 on, the same actions) driven two ways: plain `mj_step` x substeps per
  // action, and `env.step`. Resets happen in both loops; their time (measured apart) is taken out.
  const ctrl = (): Float64Array => env.physics.views().ctrl;
  const episodeLoop = (body: (a: Float64Array) => void): (() => void) => {
    let t = 0;
    env.reset(1);
    return () => {
      if (t === env.maxEpisodeSteps) {
        env.reset();
        t = 0;
      }
      body(actions[t++ % 1000]);
    };
  };
  const rawControl = (a: Float64Array): void => {
    ctrl().set(a);
    for (let k = 0; k < sub; k++) env.physics.rawStep();
  };
  const envControl = (a: Float64Array): void => {
    env.step(a);
  };
  rate(episodeLoop(rawControl), 100, 0.5); // warm-up
  rate(episodeLoop(envControl), 100, 0.5);
  let rawWithResets = 0;
  let envWithResets = 0;
  let resetRate = 0;
  for (let r = 0; r < rounds; r++) {
    rawWithResets = Math.max(rawWithResets, rate(episodeLoop(rawControl), 100, seconds));
    resetRate = Math.max(resetRate, rate(() => env.reset(), 5, seconds / 2));
    envWithResets = Math.max(envWithResets, rate(episodeLoop(envControl), 100, seconds));
  }
  const withoutResets = (x: number): number => 1 / (1 / x - 1 / (env.maxEpisodeSteps * resetRate));
  const rawRate = withoutResets(rawWithResets) * sub;
  const stepRate = withoutResets(envWithResets);
  const allowed = rawRate / sub;
  console.log(`| ${task} | ${sub} | ${Math.round(rawRate)} | ${Math.round(allowed)} | ${Math.round(stepRate)} | ${(stepRate / allowed).toFixed(2)} | ${Math.round(resetRate)} |`);
  env.close();
}
