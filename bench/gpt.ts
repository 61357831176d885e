/**
 * The GPT benchmark of docs/tensor-engine-notes.md (4 layers, d_model 256, 4 heads, MLP 1024, 60
 * tokens; training step: batch 32 with Adam; inference: batch 1 forward) in l2m's torch binding and
 * in Python PyTorch on the same machine with the same thread settings, side by side.
 *
 *   npx tsx bench/gpt.ts [--train-steps 10] [--infer-steps 50] [--rounds 2] [--warmup 3]
 *
 * Thread settings come from L2M_THREADS / L2M_BLAS_THREADS (defaults: see src/torch/native.ts) and
 * are passed to the Python run. Each round runs ours then PyTorch; the best round's medians are shown.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { GPT, BENCH_CONFIG } from './gpt-model.ts';
import { printBlasCore } from './blas-core.ts';

const { values: args } = parseArgs({
  options: {
    'train-steps': { type: 'string', default: '10' },
    'infer-steps': { type: 'string', default: '50' },
    rounds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '3' },
    batch: { type: 'string', default: '32' },
  },
});
const trainSteps = Number(args['train-steps']);
const inferSteps = Number(args['infer-steps']);
const rounds = Number(args.rounds);
const warmup = Number(args.warmup);
const batch = Number(args.batch);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median wall-clock seconds per call, and mean process CPU seconds per call (all threads). */
function timed(fn: () => void, warm: number, n: number): [number, number] {
  for (let i = 0; i < warm; i++) fn();
  const times: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  const c = process.cpuUsage(c0);
  return [median(times), (c.user + c.system) / 1e6 / n];
}

interface Timings {
  train: number;
  infer1: number;
  trainCpu: number;
  infer1Cpu: number;
  params: number;
}

function runOurs(): Timings {
  torch.manualSeed(0);
  const model = new GPT(BENCH_CONFIG);
  const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-4 });
  const idx = torch.randint(0, BENCH_CONFIG.vocabSize, [batch, BENCH_CONFIG.blockSize]);
  const targets = torch.randint(0, BENCH_CONFIG.vocabSize, [batch, BENCH_CONFIG.blockSize]);
  model.train();
  const [train, trainCpu] = timed(
    () =>
      torch.tidy(() => {
        opt.zeroGrad();
        const { loss } = model.forward(idx, targets);
        loss!.backward();
        opt.step();
        return loss!.item();
      }),
    warmup,
    trainSteps,
  );
  model.eval();
  const one = idx.narrow(0, 0, 1);
  const [infer1, infer1Cpu] = timed(() => torch.tidy(() => torch.noGrad(() => model.forward(one).logits.numel())), warmup * 3, inferSteps);
  const params = model.numParameters();
  opt.dispose();
  model.dispose();
  torch.dispose([idx, targets, one]);
  return { train, infer1, trainCpu, infer1Cpu, params };
}

function runPyTorch(): Timings & { threads: number; torch: string } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const python = torch.testing.findTorchPython();
  const cfg = { model: BENCH_CONFIG, batch, warmup, trainSteps, inferSteps, intraOpThreads: torch.getNumThreads() };
  const blas = torch.getBlasThreads();
  const env = { ...process.env, ...(blas > 0 ? { OPENBLAS_NUM_THREADS: String(blas), OMP_NUM_THREADS: String(torch.getNumThreads()) } : {}) };
  const r = spawnSync(python, [path.join(here, 'gpt.py'), JSON.stringify(cfg)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`PyTorch benchmark failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ReturnType<typeof runPyTorch>;
}

console.log(`GPT benchmark: ${BENCH_CONFIG.nLayer} layers, d_model ${BENCH_CONFIG.nEmbd}, ${BENCH_CONFIG.nHead} heads, MLP ${BENCH_CONFIG.mlpHidden}, ${BENCH_CONFIG.blockSize} tokens, vocab ${BENCH_CONFIG.vocabSize}`);
console.log(`libtorch ${torch.libtorchVersion()}, intra-op threads ${torch.getNumThreads()}, BLAS threads ${torch.getBlasThreads()}; train batch ${batch} (Adam), ${trainSteps} timed steps; inference batch 1, ${inferSteps} timed passes; ${rounds} rounds`);
printBlasCore({ python: torch.testing.findTorchPython() });
const ours: Timings[] = [];
const py: Array<Timings & { threads: number; torch: string }> = [];
const ms = (s: number): string => (s * 1e3).toFixed(s < 0.1 ? 2 : 1);
for (let r = 0; r < rounds; r++) {
  ours.push(runOurs());
  py.push(runPyTorch());
  const [o, p] = [ours[r]!, py[r]!];
  console.log(`round ${r + 1}: train ${ms(o.train)} ms vs ${ms(p.train)} ms; inference ${ms(o.infer1)} ms vs ${ms(p.infer1)} ms (l2m vs PyTorch, wall-clock medians)`);
}
if (ours[0]!.params !== py[0]!.params) throw new Error(`parameter counts differ: ${ours[0]!.params} vs ${py[0]!.params}`);
const best = (xs: Timings[], k: keyof Timings): number => Math.min(...xs.map((x) => x[k]));
console.log(`parameters: ${(ours[0]!.params / 1e6).toFixed(2)}M (PyTorch ${py[0]!.torch}, ${py[0]!.threads} intra-op threads); best round of each shown`);
console.log('');
console.log('                          l2m (TS)      PyTorch   ratio l2m/PyTorch');
const row = (label: string, k: keyof Timings): void => {
  const a = best(ours, k);
  const b = best(py, k);
  console.log(`${label.padEnd(24)} ${ms(a).padStart(8)} ms  ${ms(b).padStart(8)} ms   ${(a / b).toFixed(3)}`);
};
row('train step b=32 (wall)', 'train');
row('inference b=1 (wall)', 'infer1');
row('train step b=32 (CPU)', 'trainCpu');
row('inference b=1 (CPU)', 'infer1Cpu');
