/**
 * Acting speed: environment steps per second of a Decision Transformer driving a batch of Meta-World
 * environments, three ways in alternating rounds (so that a change in the machine's load hits all):
 * the original's one full pass per action dimension, the key/value cache, and the key/value cache with
 * stepping overlapped with decoding (`EvalOptions.overlap`: two groups of envs pipelined, used only
 * where the groups decode bit for bit as the whole batch; the bench says how many rounds were). The
 * order of the ways rotates from round to round. Prints each way's median round (wall clock, and CPU
 * milliseconds of all threads per env step, both over the steps after the first: the environments'
 * start-up is not acting), the ratios of the medians and the median of each round's ratios, the same
 * rates over the whole evaluate call (start-up included, as this bench measured before 2026-12-03), and
 * the load average before and after.
 *
 *   npx tsx bench/dt-act.ts [--envs 16] [--steps 100] [--task push-v2] [--size small|paper] [--workers N] [--rounds 3] [--per-op]
 *
 * `--workers` defaults to one per core (overlap needs workers; with 0 the envs step in this thread).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, setNativeBlocks, type DTConfig } from '../src/model/decision-transformer.ts';
import { evaluate, type EvalReport } from '../src/eval/evaluate.ts';
import { VectorEnv } from '../src/envs/vector.ts';
import { printBlasCore } from './blas-core.ts';

const { values: args } = parseArgs({
  options: {
    envs: { type: 'string', default: '16' },
    steps: { type: 'string', default: '100' },
    task: { type: 'string', default: 'push-v2' },
    size: { type: 'string', default: 'small' },
    workers: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'per-op': { type: 'boolean', default: false },
  },
});
const envs = Number(args.envs);
const workers = args.workers === undefined ? VectorEnv.defaultWorkers(envs) : Number(args.workers);
const rounds = Number(args.rounds);
const cfg: DTConfig = args.size === 'paper' ? PAPER_CONFIG : { ...PAPER_CONFIG, nLayer: 3, nHead: 4, dModel: 128, dInner: 512 };
torch.manualSeed(0);
const model = new DecisionTransformer(cfg);

interface Way { name: string; cached: boolean; overlap: boolean; native: boolean }
// The blocks run in one native call per pass (F.preLnBlocks) unless `native` is false: --per-op adds
// both decodings with the blocks run op by op (as before 2026-12-03's session 14), for the gain.
const ways: Way[] = [
  { name: 'full pass per dimension', cached: false, overlap: false, native: true },
  { name: 'key/value cache', cached: true, overlap: false, native: true },
  { name: 'key/value cache + overlap', cached: true, overlap: true, native: true },
  ...(args['per-op']
    ? [
        { name: 'full pass, per-op blocks', cached: false, overlap: false, native: false },
        { name: 'cache, per-op blocks', cached: true, overlap: false, native: false },
      ]
    : []),
];
/**
 * The steady state of one evaluation: wall clock and process CPU from the end of its first step to the end
 * of its last (`onStep`), so neither the environments' start-up (workers, WebAssembly, scenes: seconds,
 * against a few for the steps themselves) nor the first step counts. Every env takes every step here
 * (`episodes` = envs, one round, no early termination within `--steps`).
 */
interface Timed { report: EvalReport; steadyRate: number; steadyCpuMs: number; wholeRate: number }
async function run(w: Way): Promise<Timed> {
  setNativeBlocks(w.native);
  let first: { t: number; cpu: NodeJS.CpuUsage; step: number } | undefined;
  let last: { t: number; cpu: NodeJS.CpuUsage; step: number } | undefined;
  const onStep = (_d: unknown, step: number): void => {
    const mark = { t: performance.now(), cpu: process.cpuUsage(), step };
    if (first) last = mark;
    else first = mark;
  };
  const report = await evaluate(model, { tasks: [args.task!], episodes: envs, maxEpisodeSteps: Number(args.steps), workers, cached: w.cached, overlap: w.overlap, onStep });
  if (!first || !last) throw new Error('dt-act: --steps must be at least 2');
  const envSteps = (last.step - first.step) * envs;
  const cpu = (last.cpu.user + last.cpu.system - first.cpu.user - first.cpu.system) / 1000;
  return { report, steadyRate: envSteps / ((last.t - first.t) / 1000), steadyCpuMs: cpu / envSteps, wholeRate: report.envSteps / report.seconds };
}
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

console.log(`${args.task} x ${envs} envs, ${args.steps} steps, ${workers} worker thread(s), ${args.size} model (${cfg.nLayer} layers, width ${cfg.dModel}), ${rounds} rounds`);
printBlasCore();
const loadBefore = load();
await run(ways[1]); // warm-up (JIT, allocator)
const rates: number[][] = ways.map(() => []);
const cpu: number[][] = ways.map(() => []);
const whole: number[][] = ways.map(() => []);
const pipelined: string[] = [];
let reference: string | undefined;
for (let r = 0; r < rounds; r++) {
  for (let j = 0; j < ways.length; j++) {
    const k = (j + r) % ways.length;
    const w = ways[k]!;
    const { report: rep, steadyRate, steadyCpuMs, wholeRate } = await run(w);
    rates[k]!.push(steadyRate);
    cpu[k]!.push(steadyCpuMs);
    whole[k]!.push(wholeRate);
    if (rep.overlap) pipelined.push(`${rep.overlap.overlapped}/${rep.overlap.rounds}`);
    const outcome = JSON.stringify(rep.tasks);
    if (w.cached) {
      reference ??= outcome;
      if (outcome !== reference) throw new Error(`dt-act: '${w.name}' gave other returns than the key/value cache without overlap`);
    }
  }
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const [full, cached, overlapped] = rates.map(median) as [number, number, number];
const perRound = (a: number, b: number): string => median(rates[a]!.map((x, r) => x / rates[b]![r]!)).toFixed(2);
for (const [k, w] of ways.entries()) {
  console.log(`  ${w.name.padEnd(27)} ${median(rates[k]!).toFixed(0).padStart(6)} env steps/s (rounds ${rates[k]!.map((x) => x.toFixed(0)).join(', ')}), CPU ${median(cpu[k]!).toFixed(2)} ms per env step`);
}
console.log(`  with the environments' start-up (the whole evaluate call): ${ways.map((w, k) => `${w.name} ${median(whole[k]!).toFixed(0)}`).join(', ')} env steps/s; cache / full pass ${(median(whole[1]!) / median(whole[0]!)).toFixed(2)}x`);
console.log(`  rounds pipelined by overlap: ${pipelined.join(', ')}`);
console.log(`  ratios of the medians (median of the rounds' ratios):`);
console.log(`    key/value cache / full pass:           ${(cached / full).toFixed(2)}x (${perRound(1, 0)}x)`);
console.log(`    key/value cache + overlap / full pass: ${(overlapped / full).toFixed(2)}x (${perRound(2, 0)}x)`);
console.log(`    overlap / no overlap (both cached):    ${(overlapped / cached).toFixed(2)}x (${perRound(2, 1)}x)`);
if (args['per-op']) {
  console.log(`    key/value cache / full pass, both per-op:  ${(median(rates[4]!) / median(rates[3]!)).toFixed(2)}x (${perRound(4, 3)}x)`);
  console.log(`    native blocks / per-op, full pass:     ${(full / median(rates[3]!)).toFixed(2)}x (${perRound(0, 3)}x)`);
  console.log(`    native blocks / per-op, cache:         ${(cached / median(rates[4]!)).toFixed(2)}x (${perRound(1, 4)}x)`);
  console.log(`    key/value cache (native) / full pass (per-op): ${(cached / median(rates[3]!)).toFixed(2)}x (${perRound(1, 3)}x)`);
}
console.log(`  load average (1, 5, 15 min) before: ${loadBefore}, after: ${load()}`);
