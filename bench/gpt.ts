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

function timed(fn: () => void, warm: number, n: number): number {
  for (let i = 0; i < warm; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return median(times);
}

function runOurs(): { train: number; infer1: number; params: number } {
  torch.manualSeed(0);
  const model = new GPT(BENCH_CONFIG);
  const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-4 });
  const idx = torch.randint(0, BENCH_CONFIG.vocabSize, [batch, BENCH_CONFIG.blockSize]);
  const targets = torch.randint(0, BENCH_CONFIG.vocabSize, [batch, BENCH_CONFIG.blockSize]);
  model.train();
  const train = timed(
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
  const infer1 = timed(() => torch.tidy(() => torch.noGrad(() => model.forward(one).logits.numel())), warmup * 3, inferSteps);
  const params = model.numParameters();
  opt.dispose();
  model.dispose();
  torch.dispose([idx, targets, one]);
  return { train, infer1, params };
}

function runPyTorch(): { train: number; infer1: number; params: number; threads: number; torch: string } {
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
let best = { ours: { train: Infinity, infer1: Infinity, params: 0 }, py: { train: Infinity, infer1: Infinity, params: 0, threads: 0, torch: '' } };
for (let r = 0; r < rounds; r++) {
  const ours = runOurs();
  const py = runPyTorch();
  console.log(`round ${r + 1}: train ${(ours.train * 1e3).toFixed(1)} ms vs ${(py.train * 1e3).toFixed(1)} ms; infer ${(ours.infer1 * 1e3).toFixed(2)} ms vs ${(py.infer1 * 1e3).toFixed(2)} ms`);
  best = {
    ours: { train: Math.min(best.ours.train, ours.train), infer1: Math.min(best.ours.infer1, ours.infer1), params: ours.params },
    py: { ...py, train: Math.min(best.py.train, py.train), infer1: Math.min(best.py.infer1, py.infer1) },
  };
}
if (best.ours.params !== best.py.params) throw new Error(`parameter counts differ: ${best.ours.params} vs ${best.py.params}`);
console.log(`parameters: ${(best.ours.params / 1e6).toFixed(2)}M (PyTorch ${best.py.torch}, ${best.py.threads} intra-op threads)`);
console.log('');
console.log('                      l2m (TS)    PyTorch     ratio (l2m / PyTorch)');
console.log(`train step (b=32)   ${(best.ours.train * 1e3).toFixed(1).padStart(8)} ms ${(best.py.train * 1e3).toFixed(1).padStart(8)} ms   ${(best.ours.train / best.py.train).toFixed(3)}`);
console.log(`inference (b=1)     ${(best.ours.infer1 * 1e3).toFixed(2).padStart(8)} ms ${(best.py.infer1 * 1e3).toFixed(2).padStart(8)} ms   ${(best.ours.infer1 / best.py.infer1).toFixed(3)}`);
