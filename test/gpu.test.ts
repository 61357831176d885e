// What needs a CUDA device: the model, the training step (fp32 and fp16 with loss scaling) and
// checkpoints on the GPU, against the CPU and against PyTorch on the same GPU. Skipped where the addon
// has no CUDA (Debian's libtorch, CI); run by scripts/gpu-check.sh on a GPU machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import { trainStep } from '../src/train/step.ts';
import { mixedPrecision } from '../src/train/run-device.ts';
import { adamwGroups } from '../src/train/optimizer.ts';
import { paddedBatch } from './helpers/dt-batch.ts';
import { pytorchLossAndGrads, relError } from './helpers/dt-parity.ts';

const skip = torch.cuda.isAvailable() ? false : `no CUDA device (libtorch ${torch.libtorchVersion()} without CUDA, or no GPU)`;
const CFG: DTConfig = { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 64, dInner: 256, dropout: 0, maxEpisodeLength: 200, nPositions: 16, actionPositionEmbedding: true };

/** The same weights and batch on the CPU and on the GPU (the GPU's made under the default device). */
function pair(seed: number): { cpu: DecisionTransformer; gpu: DecisionTransformer; batch: ReturnType<typeof paddedBatch>; gpuBatch: ReturnType<typeof paddedBatch> } {
  torch.manualSeed(seed);
  const cpu = new DecisionTransformer(CFG);
  const batch = paddedBatch(6, CFG.contextLength, CFG, [4, 6, 1, 2]);
  const gpu = torch.withDefaultDevice('cuda', () => new DecisionTransformer(CFG));
  gpu.loadStateDict(Object.fromEntries(cpu.namedParameters()));
  const move = (t: torch.Tensor): torch.Tensor => t.to('cuda');
  const gpuBatch = { x: Object.fromEntries(Object.entries(batch.x).map(([k, t]) => [k, move(t as torch.Tensor)])) as unknown as typeof batch.x, actionMask: move(batch.actionMask) };
  return { cpu, gpu, batch, gpuBatch };
}

test('on the GPU the model is made there by the default device, and gives the CPU\'s loss and gradients (float32, 1e-4)', { skip }, () => {
  const { cpu, gpu, batch, gpuBatch } = pair(21);
  try {
    for (const p of gpu.parameters()) assert.ok(p.device.startsWith('cuda'), `parameter on ${p.device}`);
    const a = cpu.loss(batch.x, batch.actionMask);
    a.backward();
    const b = gpu.loss(gpuBatch.x, gpuBatch.actionMask);
    b.backward();
    assert.ok(Math.abs(a.item() - b.item()) <= 1e-5 * Math.abs(a.item()), `loss ${b.item()} on the GPU vs ${a.item()} on the CPU`);
    const cpuGrads = new Map(cpu.namedParameters());
    for (const [name, p] of gpu.namedParameters()) {
      const err = relError(p.grad!, cpuGrads.get(name)!.grad!);
      assert.ok(err <= 1e-4, `${name}: GPU vs CPU gradient relative error ${err}`);
    }
  } finally {
    cpu.dispose();
    gpu.dispose();
  }
});

test('float16 autocast on the GPU follows PyTorch\'s on the same GPU', { skip }, () => {
  const { cpu, gpu, batch, gpuBatch } = pair(22);
  try {
    const ref = pytorchLossAndGrads(cpu, batch.x, batch.actionMask, { autocast: 'float16', device: 'cuda' });
    const loss = torch.autocast('cuda', { dtype: 'float16' }, () => gpu.loss(gpuBatch.x, gpuBatch.actionMask));
    loss.backward();
    assert.ok(Math.abs(loss.item() - ref.loss) <= 1e-4 * Math.abs(ref.loss), `loss ${loss.item()} vs PyTorch ${ref.loss}`);
    let worst = 0;
    for (const [name, p] of gpu.namedParameters()) worst = Math.max(worst, relError(p.grad!, ref.grads[name]!));
    assert.ok(worst <= 1e-2, `worst gradient relative error ${worst} against PyTorch's float16 autocast`);
    console.log(`fp16 autocast on the GPU: loss ${loss.item()} (PyTorch ${ref.loss}); worst gradient error ${worst.toExponential(2)}`);
  } finally {
    cpu.dispose();
    gpu.dispose();
  }
});

test('fp16 training with loss scaling learns a fixed batch on the GPU, and its checkpoint loads on the CPU', { skip }, () => {
  const { cpu, gpu, gpuBatch } = pair(23);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-gpu-'));
  const opt = torch.withDefaultDevice('cuda', () => new torch.optim.AdamW(adamwGroups(gpu, 0.01), { lr: 1e-3 }));
  try {
    const mp = mixedPrecision({ precision: 'fp16', device: 'cuda' });
    assert.ok(mp?.scaler);
    const losses: number[] = [];
    for (let u = 0; u < 30; u++) losses.push(trainStep(gpu, opt, () => gpuBatch, { accumulation: 1, gradClip: 1, seed: u, mixedPrecision: mp }).loss);
    assert.ok(losses.at(-1)! < 0.8 * losses[0]!, `loss ${losses[0]} -> ${losses.at(-1)}`);
    torch.saveCheckpoint(dir, { model: gpu, optimizer: opt, meta: { scaler: mp.scaler.stateDict() } });
    torch.loadCheckpoint(dir, { model: cpu });
    const onCpu = new Map(cpu.namedParameters());
    for (const [name, p] of gpu.namedParameters()) assert.equal(relError(onCpu.get(name)!, p.to('cpu')), 0, `${name} round-trips`);
  } finally {
    opt.dispose();
    cpu.dispose();
    gpu.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
