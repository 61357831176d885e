/**
 * Adaptation training throughput: samples per second of one update (forward, backward, clipping,
 * AdamW over the trainable parameters) for every registered method against full fine-tuning, and of
 * LoRA against the same LoRA update in Python PyTorch (test/reference's AdaptDT + adapt_lora.py).
 * Rounds of the compared sides alternate, and each side's median round is reported.
 *
 *   npx tsx bench/adapt-train.ts [--size small|paper] [--batch 128] [--steps 10] [--rounds 3]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import '../src/adapt/index.ts';
import { attachMethod, createMethod, methodNames } from '../src/adapt/index.ts';
import { adamwGroups } from '../src/train/optimizer.ts';
import { trainStep } from '../src/train/step.ts';
import { printBlasCore } from './blas-core.ts';
import { randomWindowBatch } from './random-batch.ts';


const { values: args } = parseArgs({ options: { size: { type: 'string', default: 'small' }, batch: { type: 'string', default: '128' }, steps: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' } } });
// small = the small MT40 base (configs/small-mt40.yaml); paper = the original's model.
const cfg: DTConfig = args.size === 'paper' ? PAPER_CONFIG : { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 128, dInner: 512, actionPositionEmbedding: true };
const B = Number(args.batch);
const steps = Number(args.steps);
const rounds = Number(args.rounds);
const K = cfg.contextLength;

torch.manualSeed(0);
const { x, actionMask } = randomWindowBatch(cfg, B, { taskIds: true });

interface Side {
  name: string;
  trainable: number;
  round(): number; // seconds per update, median of the round
}

/** Settings a method has no default for (L2P's form): the bench times its prompt-tuning form. */
const REQUIRED_SETTINGS: Record<string, Record<string, unknown>> = { l2p: { form: 'prompt' } };

function oursSide(name: string): Side {
  const model = new DecisionTransformer(cfg);
  const method = createMethod({ name, ...REQUIRED_SETTINGS[name] });
  attachMethod(model, method);
  model.train();
  const opt = new torch.optim.AdamW(adamwGroups(model, 0.01), { lr: 1e-4 });
  const step = (): void => void trainStep(model, opt, () => ({ x, actionMask }), { accumulation: 1, gradClip: 0.25, method });
  for (let i = 0; i < 3; i++) step();
  return {
    name: REQUIRED_SETTINGS[name] ? `${name} (${Object.values(REQUIRED_SETTINGS[name]!).join(', ')})` : name,
    trainable: model.numParameters(true),
    round() {
      const t: number[] = [];
      for (let i = 0; i < steps; i++) {
        const s = performance.now();
        step();
        t.push((performance.now() - s) / 1000);
      }
      return t.sort((a, b) => a - b)[t.length >> 1]!;
    },
  };
}

const python = torch.testing.findTorchPython();
const pyScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'adapt_train.py');
function pytorchLoraRound(): number {
  const r = spawnSync(python, [pyScript, JSON.stringify(cfg), String(B), String(steps), String(torch.getNumThreads())], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyTorch run failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { seconds_per_update: number }).seconds_per_update;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const sides = methodNames().map(oursSide);
const times = new Map<string, number[]>(sides.map((s) => [s.name, []]));
const pyTimes: number[] = [];
for (let r = 0; r < rounds; r++) {
  for (const s of sides) times.get(s.name)!.push(s.round());
  pyTimes.push(pytorchLoraRound());
}
console.log(`Adaptation updates (${args.size}: ${cfg.nLayer} layers, width ${cfg.dModel}), batch ${B} x ${K} steps, ${rounds} alternating rounds of ${steps} updates, intra-op threads ${torch.getNumThreads()}`);
printBlasCore({ python });
const full = median(times.get('full')!);
console.log(`${'method'.padEnd(12)} ${'trainable'.padStart(11)} ${'ms/update'.padStart(10)} ${'samples/s'.padStart(10)} ${'vs full'.padStart(8)}`);
for (const s of sides) {
  const t = median(times.get(s.name)!);
  console.log(`${s.name.padEnd(12)} ${s.trainable.toLocaleString('en-US').padStart(11)} ${(t * 1000).toFixed(1).padStart(10)} ${(B / t).toFixed(0).padStart(10)} ${(full / t).toFixed(2).padStart(8)}`);
}
const lora = median(times.get('lora')!);
const py = median(pyTimes);
console.log(`\nLoRA: l2m ${(lora * 1000).toFixed(1)} ms/update, PyTorch ${(py * 1000).toFixed(1)} ms/update; ratio (PyTorch time / l2m time, > 1: l2m faster): ${(py / lora).toFixed(2)}`);
