/**
 * Decision Transformer training throughput: samples (context windows) per second for one update
 * (forward, backward, clipping, AdamW) in l2m and in Python PyTorch with the same model (dropout
 * included: the PyTorch model draws it at the same places), batch and threads, in alternating rounds
 * (l2m, then PyTorch, `--rounds` times), so that a change in the machine's load hits both sides; prints
 * each side's median round and the ratio.
 *
 *   npx tsx bench/dt-train.ts [--size small|paper] [--layers n] [--batch 64] [--steps 10] [--rounds 3] [--dropout p]
 *                             [--device cpu|cuda] [--precision fp32|bf16|fp16] [--vs pytorch|unfused-attention]
 *
 * `--device cuda` needs the addon built against a CUDA libtorch (docs/performance.md, "On a GPU"); both
 * sides then wait for the GPU at the end of every update. `--precision` runs both sides under autocast
 * (bf16; fp16 with a GradScaler, GPU only), the l2m side through the training step the runs use.
 * `--vs unfused-attention` compares l2m with itself instead: the same update with the fused CPU attention
 * kernel (the default) against the unfused libtorch ops (`F.setFusedAttention(false)`), alternating rounds.
 * The small MT40 base's update: `--layers 2 --batch 128 --dropout 0`.
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
    layers: { type: 'string' },
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    dropout: { type: 'string' },
    device: { type: 'string', default: 'cpu' },
    precision: { type: 'string', default: 'fp32' },
    vs: { type: 'string', default: 'pytorch' },
  },
});
const vs = args.vs!;
if (vs !== 'pytorch' && vs !== 'unfused-attention') throw new Error(`--vs must be pytorch or unfused-attention, got ${vs}`);
const device = args.device!;
const precision = args.precision as Precision;
if (!['fp32', 'bf16', 'fp16'].includes(precision)) throw new Error(`--precision must be fp32, bf16 or fp16, got ${precision}`);
const mixed = mixedPrecision({ precision, device });
checkDevice(device, '--device');
if (vs === 'unfused-attention' && device !== 'cpu') throw new Error('--vs unfused-attention compares the CPU attention kernel: use --device cpu');
torch.setDefaultDevice(device);
const base: DTConfig = args.size === 'paper' ? PAPER_CONFIG : { ...PAPER_CONFIG, nLayer: 3, nHead: 4, dModel: 128, dInner: 512 };
const cfg: DTConfig = {
  ...base,
  ...(args.dropout === undefined ? {} : { dropout: Number(args.dropout) }),
  ...(args.layers === undefined ? {} : { nLayer: Number(args.layers) }),
};
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

const python = vs === 'pytorch' ? torch.testing.findTorchPython() : '';
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dt_train.py');
/** The same round in PyTorch (its own 3 warm-up updates first, then the median of `steps`). */
function pytorchRound(): number {
  const r = spawnSync(python, [script, JSON.stringify(cfg), String(B), String(steps), String(torch.getNumThreads()), device, precision], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyTorch run failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { seconds_per_update: number }).seconds_per_update;
}

/** The same l2m round with the unfused attention ops. */
function unfusedRound(): number {
  torch.F.setFusedAttention(false);
  try {
    return oursRound();
  } finally {
    torch.F.setFusedAttention(true);
  }
}
const other = vs === 'pytorch' ? { name: 'PyTorch', round: pytorchRound } : { name: 'unfused', round: unfusedRound };

const ours: number[] = [];
const theirs: number[] = [];
for (let r = 0; r < rounds; r++) {
  ours.push(oursRound());
  theirs.push(other.round());
}
const params = model.parameterSummary().total;
console.log(`Decision Transformer (${args.size}: ${cfg.nLayer} layers, width ${cfg.dModel}, ${(params / 1e6).toFixed(2)}M params, dropout ${cfg.dropout} on both sides), batch ${B} x ${K} steps (${B * K * (A + 3)} tokens), ${rounds} alternating rounds of ${steps} updates, intra-op threads ${torch.getNumThreads()}, device ${device}, precision ${precision}`);
printBlasCore(python ? { python } : {});
const ms = (xs: number[]): string => xs.map((t) => (t * 1000).toFixed(1)).join(', ');
const o = median(ours);
const p = median(theirs);
const label = vs === 'pytorch' ? 'l2m' : 'l2m, fused attention';
const width = Math.max(label.length, other.name.length);
console.log(`  ${label.padEnd(width)} ${(o * 1000).toFixed(1)} ms/update  ${(B / o).toFixed(0)} samples/s  (rounds: ${ms(ours)})`);
console.log(`  ${other.name.padEnd(width)} ${(p * 1000).toFixed(1)} ms/update  ${(B / p).toFixed(0)} samples/s  (rounds: ${ms(theirs)})`);
const perRound = ours.map((t, i) => theirs[i]! / t);
console.log(`  ratio (${other.name} time / ${label} time, > 1: ${label} faster): ${(p / o).toFixed(2)} (per round ${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)})`);
