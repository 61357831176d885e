/**
 * Batched SAC: aggregate updates per second (task-updates: one SAC update of one task) of
 * `BatchedSacAgent` training 1, 4 and 16 tasks as one, against one task's `SacAgent` (unbatched),
 * printed as a ratio; plus 16 tasks with the DMC16 tasks' observation / action sizes (11 shape
 * groups, the collection's real case), those 16 split over `--processes` child processes as
 * `l2m data collect --policy sac` runs them (each a batch of its share, with cores / processes BLAS
 * threads, all timed over the same window), and the time 16 tasks x 100k updates would take.
 *
 *   npx tsx bench/sac-batched.ts [--tasks 1,4,16] [--hidden 256] [--batch 256] [--obs 24] [--act 6] [--seconds 4] [--rounds 2] [--no-dmc16] [--processes 2]
 *
 * Default sizes are train-sac's (MLP 256x2, batch 256) on walker (24-d observations, 6-d actions).
 * Each configuration runs for about `--seconds` per round after warm-up; the best round is shown
 * (the machine may be shared), with process CPU time per task-update as a load-robust second measure
 * (for the split: all children's task-updates per CPU second of all children). On a shared machine the
 * split's wall-clock rate shows only the cores the machine gave it.
 * Environment steps are not included (they cost well under 1% of an update here: bench/dmc.ts).
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { Rng } from '../src/envs/rng.ts';
import { ReplayBuffer, type SacBatch } from '../src/rl/replay-buffer.ts';
import { SacAgent, type UpdateNoise } from '../src/rl/sac.ts';
import { BatchedSacAgent } from '../src/rl/batched-sac.ts';
import { childThreadEnv, splitTasks } from '../src/rl/sac-processes.ts';
import { printBlasCore } from './blas-core.ts';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '1,4,16' },
    hidden: { type: 'string', default: '256' },
    depth: { type: 'string', default: '2' },
    batch: { type: 'string', default: '256' },
    obs: { type: 'string', default: '24' },
    act: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
    'no-dmc16': { type: 'boolean', default: false },
    processes: { type: 'string', default: String(os.availableParallelism()) },
    /** Internal: a child of the split, running the batch of these (obs, act) sizes. */
    child: { type: 'string' },
  },
});
const hidden = Array.from({ length: Number(args.depth) }, () => Number(args.hidden));
const batch = Number(args.batch);
const obsDim = Number(args.obs);
const actDim = Number(args.act);
const seconds = Number(args.seconds);
const warmup = Number(args.warmup);
const rounds = Number(args.rounds);
const taskCounts = args.tasks.split(',').map(Number);
/** The DMC16 tasks' (observation, action) sizes, in DMC16 order. */
const DMC16_DIMS: [number, number][] = [
  [5, 1], [12, 2], [12, 2], [21, 5], [15, 4], [3, 1], [4, 2], [6, 2], [24, 6], [24, 6], [8, 2], [5, 1], [17, 6], [9, 2], [6, 2], [24, 6],
];
const bufferSize = 5000;

interface Rate {
  /** Task-updates per second (wall clock). */
  wall: number;
  /** Task-updates per CPU second of this process. */
  cpu: number;
}

function filledBuffer(o: number, a: number, rng: Rng): ReplayBuffer {
  const buf = new ReplayBuffer(bufferSize, o, a);
  const ov = new Float64Array(o);
  const av = new Float64Array(a);
  for (let i = 0; i < bufferSize; i++) {
    for (let k = 0; k < o; k++) ov[k] = rng.normal();
    for (let k = 0; k < a; k++) av[k] = rng.uniform(-1, 1);
    buf.add(ov, av, rng.random(), ov, false, false);
  }
  return buf;
}

function inputsFor(buf: ReplayBuffer, rng: Rng): [SacBatch, UpdateNoise] {
  return [buf.sample(batch, rng), { next: torch.randn([batch, buf.actDim]), current: torch.randn([batch, buf.actDim]) }];
}

/** Runs `step` (doing `perStep` task-updates) for about `seconds` after `warm` warm-up steps; returns the rate. */
function timeIt(step: () => void, perStep: number, warm = warmup): Rate & { updates: number } {
  for (let i = 0; i < warm; i++) step();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000 || n < 2) {
    step();
    n++;
  }
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: (n * perStep) / wall, cpu: (n * perStep) / ((c.user + c.system) / 1e6), updates: n * perStep };
}

function single(): Rate {
  torch.manualSeed(0);
  const rng = new Rng(0);
  const agent = new SacAgent(obsDim, actDim, { hidden, batchSize: batch });
  const buf = filledBuffer(obsDim, actDim, rng);
  const r = timeIt(() => torch.tidy(() => void agent.update(...inputsFor(buf, rng))), 1);
  agent.dispose();
  return r;
}

/** The batched update of tasks of sizes `dims` (random buffers), ready to time. */
function batchedStep(dims: [number, number][]): { step: () => void; dispose: () => void } {
  const rng = new Rng(0);
  const agents = dims.map(([o, a], t) => {
    torch.manualSeed(t);
    return new SacAgent(o, a, { hidden, batchSize: batch });
  });
  const bufs = dims.map(([o, a]) => filledBuffer(o, a, rng));
  const stack = BatchedSacAgent.fromAgents(agents);
  for (const a of agents) a.dispose();
  return { step: () => torch.tidy(() => void stack.update(bufs.map((b) => inputsFor(b, rng)))), dispose: () => stack.dispose() };
}

function batched(dims: [number, number][]): Rate {
  const b = batchedStep(dims);
  const r = timeIt(b.step, dims.length);
  b.dispose();
  return r;
}

/**
 * `dims` split over `n` child processes (as the collection splits its tasks), each a batch of its
 * share: the children set up and warm up, wait until all are ready, then run for the same `--seconds`.
 * The rate is the sum of theirs; per CPU second, all task-updates over all children's CPU time.
 */
async function split(dims: [number, number][], n: number): Promise<Rate> {
  const groups = splitTasks(dims.map((_, i) => String(i)), n).map((g) => g.map((i) => dims[Number(i)]!));
  const env = { ...process.env, ...childThreadEnv(groups.length) };
  const argv = process.argv.slice(2).filter((a, i, all) => a !== '--child' && all[i - 1] !== '--child');
  const children = groups.map((g) => fork(fileURLToPath(import.meta.url), [...argv, '--child', JSON.stringify(g)], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  const ready = children.map((c) => new Promise<void>((resolve) => c.once('message', () => resolve())));
  const rates = children.map((c) => new Promise<Rate & { updates: number }>((resolve, reject) => {
    c.on('message', (m: { rate?: Rate & { updates: number } }) => m.rate && resolve(m.rate));
    c.on('exit', (code) => code !== 0 && reject(new Error(`bench child exited with ${code}`)));
  }));
  await Promise.all(ready);
  for (const c of children) c.send('go');
  const rs = await Promise.all(rates);
  const updates = rs.reduce((s, r) => s + r.updates, 0);
  return { wall: rs.reduce((s, r) => s + r.wall, 0), cpu: updates / rs.reduce((s, r) => s + r.updates / r.cpu, 0) };
}

if (args.child) {
  // A child of `split`: set up and warm up, say so, wait for the go (the timed loop is synchronous), time, report.
  const dims = JSON.parse(args.child) as [number, number][];
  const go = new Promise<void>((resolve) => process.once('message', () => resolve()));
  const b = batchedStep(dims);
  for (let i = 0; i < warmup; i++) b.step();
  process.send!('ready');
  await go;
  const rate = timeIt(b.step, dims.length, 0);
  process.send!({ rate }, () => process.exit(0));
} else {
  await main();
}

async function main(): Promise<void> {
  console.log(`batched SAC: obs ${obsDim}, actions ${actDim}, MLP ${hidden.join('x')} (actor + twin critics), batch ${batch}, Adam; ~${seconds} s per configuration x ${rounds} rounds`);
  console.log(`libtorch ${torch.libtorchVersion()}, intra-op threads ${torch.getNumThreads()}, BLAS threads ${torch.getBlasThreads()}`);
  printBlasCore();
  const configs: { label: string; run: () => Rate | Promise<Rate> }[] = [{ label: '1 task, unbatched', run: single }];
  for (const n of taskCounts) configs.push({ label: `${n} task${n > 1 ? 's' : ''}, batched`, run: () => batched(Array.from({ length: n }, () => [obsDim, actDim])) });
  if (!args['no-dmc16']) configs.push({ label: '16 tasks, DMC16 sizes', run: () => batched(DMC16_DIMS) });
  const processes = Number(args.processes);
  if (!args['no-dmc16'] && processes > 1) configs.push({ label: `DMC16, ${processes} processes`, run: () => split(DMC16_DIMS, processes) });
  const best = configs.map(() => ({ wall: 0, cpu: 0 }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of configs.entries()) {
      const x = await c.run();
      best[i] = { wall: Math.max(best[i]!.wall, x.wall), cpu: Math.max(best[i]!.cpu, x.cpu) };
      console.log(`round ${r + 1}: ${c.label.padEnd(22)} ${x.wall.toFixed(1).padStart(7)} task-updates/s`);
    }
  }
  console.log('');
  console.log('                         task-updates/s   ratio to 1 unbatched   per CPU second   ratio');
  const base = best[0]!;
  configs.forEach((c, i) => {
    const b = best[i]!;
    console.log(`${c.label.padEnd(24)} ${b.wall.toFixed(1).padStart(10)}/s ${(b.wall / base.wall).toFixed(2).padStart(14)}x ${b.cpu.toFixed(1).padStart(17)}/s ${(b.cpu / base.cpu).toFixed(2).padStart(7)}x`);
  });
  console.log('');
  const hours = (rate: number): string => ((16 * 100_000) / rate / 3600).toFixed(1);
  for (const [i, c] of configs.entries()) {
    if (c.label.includes('DMC16')) console.log(`16 tasks x 100k updates at ${best[i]!.wall.toFixed(1)} task-updates/s (${c.label}): ${hours(best[i]!.wall)} h of updates`);
  }
  console.log(`(unbatched, one task after another: ${hours(base.wall)} h)`);
}
