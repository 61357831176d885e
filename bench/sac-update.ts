/**
 * SAC update rate: one update of src/rl/sac.ts (batch drawn from a replay buffer, critic, actor and
 * temperature steps, soft target update every 2nd update) against the same update in Python PyTorch
 * (bench/sac_update.py), same network sizes, batch and thread settings, side by side.
 *
 *   npx tsx bench/sac-update.ts [--hidden 256] [--batch 256] [--obs 24] [--act 6] [--updates 50] [--rounds 3]
 *
 * Default sizes are train-sac's (MLP 256x2, batch 256) on walker (24-d observations, 6-d actions).
 * Each round runs ours then PyTorch; the best round's medians are shown (the machine may be shared),
 * with process CPU time per update as a second, load-robust measure.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { Rng } from '../src/envs/rng.ts';
import { ReplayBuffer } from '../src/rl/replay-buffer.ts';
import { SacAgent } from '../src/rl/sac.ts';
import { printBlasCore } from './blas-core.ts';

const { values: args } = parseArgs({
  options: {
    hidden: { type: 'string', default: '256' },
    depth: { type: 'string', default: '2' },
    batch: { type: 'string', default: '256' },
    obs: { type: 'string', default: '24' },
    act: { type: 'string', default: '6' },
    updates: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
  },
});
const hidden = Array.from({ length: Number(args.depth) }, () => Number(args.hidden));
const batch = Number(args.batch);
const obsDim = Number(args.obs);
const actDim = Number(args.act);
const updates = Number(args.updates);
const warmup = Number(args.warmup);
const rounds = Number(args.rounds);
const bufferSize = 20_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Timing {
  update: number;
  updateCpu: number;
  params: number;
}

function runOurs(): Timing {
  torch.manualSeed(0);
  const agent = new SacAgent(obsDim, actDim, { hidden, batchSize: batch });
  const buf = new ReplayBuffer(bufferSize, obsDim, actDim);
  const rng = new Rng(0);
  const o = new Float64Array(obsDim);
  const a = new Float64Array(actDim);
  for (let i = 0; i < bufferSize; i++) {
    for (let k = 0; k < obsDim; k++) o[k] = rng.normal();
    for (let k = 0; k < actDim; k++) a[k] = rng.uniform(-1, 1);
    buf.add(o, a, rng.random(), o, false, false);
  }
  const step = (): void => {
    torch.tidy(() => agent.update(buf.sample(batch, rng)));
  };
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < updates; i++) {
    const t = process.hrtime.bigint();
    step();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  const c = process.cpuUsage(c0);
  const params = agent.nets.actor.numParameters() + agent.nets.critic.numParameters();
  agent.dispose();
  return { update: median(times), updateCpu: (c.user + c.system) / 1e6 / updates, params };
}

function runPyTorch(): Timing & { threads: number; torch: string } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const cfg = { obsDim, actDim, hidden, batch, bufferSize, warmup, updates, intraOpThreads: torch.getNumThreads() };
  const blas = torch.getBlasThreads();
  const env = { ...process.env, ...(blas > 0 ? { OPENBLAS_NUM_THREADS: String(blas), OMP_NUM_THREADS: String(torch.getNumThreads()) } : {}) };
  const r = spawnSync(torch.testing.findTorchPython(), [path.join(here, 'sac_update.py'), JSON.stringify(cfg)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`PyTorch benchmark failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ReturnType<typeof runPyTorch>;
}

console.log(`SAC update: obs ${obsDim}, actions ${actDim}, MLP ${hidden.join('x')} (actor + twin critics), batch ${batch}, Adam; ${updates} timed updates x ${rounds} rounds`);
console.log(`libtorch ${torch.libtorchVersion()}, intra-op threads ${torch.getNumThreads()}, BLAS threads ${torch.getBlasThreads()}`);
printBlasCore({ python: torch.testing.findTorchPython() });
const ours: Timing[] = [];
const py: Array<Timing & { threads: number; torch: string }> = [];
const ms = (s: number): string => (s * 1e3).toFixed(2);
for (let r = 0; r < rounds; r++) {
  ours.push(runOurs());
  py.push(runPyTorch());
  console.log(`round ${r + 1}: ${ms(ours[r]!.update)} ms vs ${ms(py[r]!.update)} ms per update (l2m vs PyTorch, wall-clock medians)`);
}
if (ours[0]!.params !== py[0]!.params) throw new Error(`parameter counts differ: ${ours[0]!.params} vs ${py[0]!.params}`);
const best = (xs: Timing[], k: keyof Timing): number => Math.min(...xs.map((x) => x[k]));
console.log(`parameters: ${ours[0]!.params} (PyTorch ${py[0]!.torch}, ${py[0]!.threads} intra-op threads); best round of each shown`);
console.log('');
console.log('                        l2m (TS)     PyTorch   ratio l2m/PyTorch');
const row = (label: string, k: keyof Timing): void => {
  const a = best(ours, k);
  const b = best(py, k);
  console.log(`${label.padEnd(22)} ${(1 / a).toFixed(1).padStart(8)}/s  ${(1 / b).toFixed(1).padStart(8)}/s   ${(b / a).toFixed(3)} (rate)   ${ms(a)} vs ${ms(b)} ms`);
};
row('updates/s (wall)', 'update');
row('updates/s (CPU time)', 'updateCpu');
