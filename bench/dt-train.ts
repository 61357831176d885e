/**
 * Decision Transformer training throughput: samples (context windows) per second for one update
 * (forward, backward, clipping, AdamW) in l2m and in Python PyTorch with the same model (dropout
 * included: the PyTorch model draws it at the same places), batch and threads, in alternating rounds
 * (l2m, then PyTorch, `--rounds` times), so that a change in the machine's load hits both sides; prints
 * each side's median round and the ratio.
 *
 *   npx tsx bench/dt-train.ts [--size small|paper] [--batch 64] [--steps 10] [--rounds 3] [--dropout p]
 *                             [--device cpu|cuda] [--precision fp32|bf16|fp16]
 *
 * `--device cuda` needs the addon built against a CUDA libtorch (docs/performance.md, "On a GPU"); both
 * sides then wait for the GPU at the end of every update. `--precision` runs both sides under autocast
 * (bf16; fp16 with a GradScaler, GPU only), the l2m side through the training step the runs use.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import { adamwGroups } from '../src/train/optimizer.ts';
import { trainStep } from '../src/train/step.ts';
import { checkDevice, mixedPrecision, type Precision } from '../src/train/run-device.ts';
import { printBlasCore } from './blas-core.ts';
import { randomWindowBatch } from './random-batch.ts';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    dropout: { type: 'string' },
    device: { type: 'string', default: 'cpu' },
    precision: { type: 'string', default: 'fp32' },
  },
});
const device = args.device!;
const precision = args.precision as Precision;
if (!['fp32', 'bf16', 'fp16'].includes(precision)) throw new Error(`--precision must be fp32, bf16 or fp16, got ${precision}`);
const mixed = mixedPrecision({ precision, device });
checkDevice(device, '--device');
torch.setDefaultDevice(device);
const base: DTConfig = args.size === 'paper' ? PAPER_CONFIG : { ...PAPER_CONFIG, nLayer: 3, nHead: 4, dModel: 128, dInner: 512 };
const cfg: DTConfig = args.dropout === undefined ? base : { ...base, dropout: Number(args.dropout) };
const B = Number(args.batch);
const steps = Number(args.steps);
const rounds = Number(args.rounds);
const K = cfg.contextLength;
const A = cfg.maxActDim;

torch.manualSeed(0);
const model = new DecisionTransformer(cfg);
model.train();
const opt = new torch.optim.AdamW(adamwGroups(model, 0.01), { lr: 1e-4 });
const { x, actionMask: mask } = randomWindowBatch(cfg, B);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const update = (): void => {
  trainStep(model, opt, () => ({ x, actionMask: mask }), { accumulation: 1, gradClip: 0.25, mixedPrecision: mixed });
  if (device !== 'cpu') torch.cuda.synchronize();
};
for (let i = 0; i < 3; i++) update();
/** Seconds per update: the median of one round of `steps` updates. */
function oursRound(): number {
  const t: number[] = [];
  for (let i = 0; i < steps; i++) {
    const s = performance.now();
    update();
    t.push((performance.now() - s) / 1000);
  }
  return median(t);
}

const python = torch.testing.findTorchPython();
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dt_train.py');
/** The same round in PyTorch (its own 3 warm-up updates first, then the median of `steps`). */
function pytorchRound(): number {
  const r = spawnSync(python, [script, JSON.stringify(cfg), String(B), String(steps), String(torch.getNumThreads()), device, precision], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyTorch run failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { seconds_per_update: number }).seconds_per_update;
}

const ours: number[] = [];
const theirs: number[] = [];
for (let r = 0; r < rounds; r++) {
  ours.push(oursRound());
  theirs.push(pytorchRound());
}
const params = model.parameterSummary().total;
console.log(`Decision Transformer (${args.size}: ${cfg.nLayer} layers, width ${cfg.dModel}, ${(params / 1e6).toFixed(2)}M params, dropout ${cfg.dropout} on both sides), batch ${B} x ${K} steps (${B * K * (A + 3)} tokens), ${rounds} alternating rounds of ${steps} updates, intra-op threads ${torch.getNumThreads()}, device ${device}, precision ${precision}`);
printBlasCore({ python });
const ms = (xs: number[]): string => xs.map((t) => (t * 1000).toFixed(1)).join(', ');
const o = median(ours);
const p = median(theirs);
console.log(`  l2m     ${(o * 1000).toFixed(1)} ms/update  ${(B / o).toFixed(0)} samples/s  (rounds: ${ms(ours)})`);
console.log(`  PyTorch ${(p * 1000).toFixed(1)} ms/update  ${(B / p).toFixed(0)} samples/s  (rounds: ${ms(theirs)})`);
const perRound = ours.map((t, i) => theirs[i]! / t);
console.log(`  ratio (PyTorch time / l2m time, > 1: l2m faster): ${(p / o).toFixed(2)} (per round ${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)})`);
