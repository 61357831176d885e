/**
 * Decision Transformer training throughput: samples (context windows) per second for one update
 * (forward, backward, clipping, AdamW) in l2m and in Python PyTorch with the same model, batch and
 * threads, side by side, plus the ratio.
 *
 *   npx tsx bench/dt-train.ts [--size small|paper] [--batch 64] [--steps 10]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import { adamwGroups } from '../src/train/optimizer.ts';
import { printBlasCore } from './blas-core.ts';

const { values: args } = parseArgs({ options: { size: { type: 'string', default: 'small' }, batch: { type: 'string', default: '64' }, steps: { type: 'string', default: '10' } } });
const cfg: DTConfig = args.size === 'paper' ? PAPER_CONFIG : { ...PAPER_CONFIG, nLayer: 3, nHead: 4, dModel: 128, dInner: 512 };
const B = Number(args.batch);
const steps = Number(args.steps);
const K = cfg.contextLength;
const A = cfg.maxActDim;

torch.manualSeed(0);
const model = new DecisionTransformer(cfg);
const opt = new torch.optim.AdamW(adamwGroups(model, 0.01), { lr: 1e-4 });
const x = {
  states: torch.randn([B, K, cfg.stateDim]),
  actionTokens: torch.randint(0, cfg.actionBins, [B, K, A], { dtype: 'int64' }),
  returnsToGo: torch.randn([B, K]),
  rewards: torch.randn([B, K]),
  timesteps: torch.randint(0, cfg.maxEpisodeLength - K, [B, K], { dtype: 'int64' }),
  attentionMask: torch.ones([B, K], { dtype: 'bool' }),
};
const mask = torch.ones([B, K, A], { dtype: 'int64' });
const times: number[] = [];
for (let i = 0; i < steps + 3; i++) {
  const t = performance.now();
  torch.tidy(() => model.loss(x, mask).backward());
  torch.clipGradNorm_(model.parameters(), 0.25);
  opt.step();
  model.zeroGrad();
  if (i >= 3) times.push((performance.now() - t) / 1000);
}
times.sort((a, b) => a - b);
const ours = times[times.length >> 1]!;

const python = torch.testing.findTorchPython();
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dt_train.py');
const r = spawnSync(python, [script, JSON.stringify(cfg), String(B), String(steps), String(torch.getNumThreads())], { encoding: 'utf8' });
if (r.status !== 0) throw new Error(`PyTorch run failed: ${r.stderr}`);
const theirs = (JSON.parse(r.stdout) as { seconds_per_update: number }).seconds_per_update;
const params = model.parameterSummary().total;
console.log(`Decision Transformer (${args.size}: ${cfg.nLayer} layers, width ${cfg.dModel}, ${(params / 1e6).toFixed(2)}M params), batch ${B} x ${K} steps (${B * K * (A + 3)} tokens), intra-op threads ${torch.getNumThreads()}`);
printBlasCore({ python });
console.log(`  l2m     ${(ours * 1000).toFixed(1)} ms/update  ${(B / ours).toFixed(0)} samples/s`);
console.log(`  PyTorch ${(theirs * 1000).toFixed(1)} ms/update  ${(B / theirs).toFixed(0)} samples/s`);
console.log(`  ratio (l2m time / PyTorch time): ${(ours / theirs).toFixed(2)}`);
