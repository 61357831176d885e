// Mixed precision: libtorch's autocast switches, the GradScaler, and the training step and run
// settings built on them (train.precision, train.device). The parity of bfloat16 autocast with
// PyTorch is in model-parity.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import { trainStep } from '../src/train/step.ts';
import { checkDevice, mixedPrecision, type MixedPrecision } from '../src/train/run-device.ts';
import { parsePretrainConfig, trainIdentity } from '../src/train/config.ts';
import { paddedBatch } from './helpers/dt-batch.ts';

const { nn, optim } = torch;

test('autocast runs linear layers in bfloat16 on the CPU and restores the previous state after, nested or thrown', () => {
  torch.manualSeed(1);
  const lin = new nn.Linear(8, 4);
  const x = torch.randn([3, 8]);
  assert.equal(lin.forward(x).dtype, 'float32');
  assert.equal(torch.isAutocastEnabled('cpu'), false);
  torch.autocast('cpu', {}, () => {
    assert.equal(torch.isAutocastEnabled('cpu'), true);
    const y = lin.forward(x);
    assert.equal(y.dtype, 'bfloat16');
    torch.autocast('cpu', { enabled: false }, () => assert.equal(lin.forward(x).dtype, 'float32'));
    assert.equal(torch.isAutocastEnabled('cpu'), true, 'the inner region restored the outer one');
  });
  assert.equal(torch.isAutocastEnabled('cpu'), false);
  assert.throws(() => torch.autocast('cpu', {}, () => { throw new Error('inside'); }), /inside/);
  assert.equal(torch.isAutocastEnabled('cpu'), false, 'restored after a throw');
  assert.equal(lin.forward(x).dtype, 'float32');
  assert.throws(() => torch.autocast('cpu', { dtype: 'float16' }, () => 0), /on the CPU autocast runs in bfloat16, not float16/);
  assert.throws(() => torch.autocast('cpu', {}, () => Promise.resolve(1)), /synchronous function/);
  assert.equal(torch.isAutocastEnabled('cpu'), false);
  assert.throws(() => torch.autocastDeviceType('mps'), /no autocast for device 'mps'/);
  assert.equal(torch.autocastDeviceType('cuda:1'), 'cuda');
});

function params(): torch.Tensor[] {
  torch.manualSeed(2);
  return [torch.randn([4, 3], { requiresGrad: true }), torch.randn([3], { requiresGrad: true })];
}

function backwardOf(ps: torch.Tensor[], scaler?: torch.optim.GradScaler): number {
  return torch.tidy(() => {
    const loss = ps[0]!.matmul(ps[1]!.unsqueeze(1)).square().sum();
    (scaler ? scaler.scale(loss) : loss).backward();
    return loss.item();
  });
}

test('GradScaler: scaled gradients unscale to the plain ones exactly; the step and the scale follow PyTorch\'s rules', () => {
  const plain = params();
  backwardOf(plain);
  const ps = params();
  const scaler = new optim.GradScaler({ growthInterval: 3 });
  assert.equal(scaler.scaleFactor, 65536);
  const opt = new optim.SGD(ps, { lr: 0.1 });
  backwardOf(ps, scaler);
  assert.equal(ps[0]!.grad!.sub(plain[0]!.grad!.mul(65536)).abs().max().item(), 0, 'backward of the scaled loss: gradients x 65536');
  scaler.unscale_(opt);
  for (let i = 0; i < ps.length; i++) assert.equal(ps[i]!.grad!.sub(plain[i]!.grad!).abs().max().item(), 0, `parameter ${i}: unscaled gradient equals the plain one`);
  assert.throws(() => scaler.unscale_(opt), /unscale_\(\) was already called/);
  assert.equal(scaler.step(opt), true);
  scaler.update();
  assert.deepEqual(scaler.stateDict(), { scale: 65536, growthTracker: 1 });
  // Two more clean steps: the third in a row doubles the scale and resets the count.
  for (let k = 0; k < 2; k++) {
    opt.zeroGrad();
    backwardOf(ps, scaler);
    assert.equal(scaler.step(opt), true); // step() unscales when unscale_ was not called
    scaler.update();
  }
  assert.deepEqual(scaler.stateDict(), { scale: 131072, growthTracker: 0 });
  // An inf gradient: the step is skipped (parameters unchanged) and the scale halves.
  opt.zeroGrad();
  backwardOf(ps, scaler);
  torch.noGrad(() => ps[1]!.grad!.select(0, 2).fill_(Number.POSITIVE_INFINITY));
  const before = ps.map((p) => torch.keep(p.detach().clone()));
  assert.equal(scaler.step(opt), false);
  assert.equal(scaler.skipped, true);
  scaler.update();
  for (let i = 0; i < ps.length; i++) assert.ok(ps[i]!.equal(before[i]!), `parameter ${i} unchanged by the skipped step`);
  assert.deepEqual(scaler.stateDict(), { scale: 65536, growthTracker: 0 });
  assert.throws(() => scaler.update(), /update\(\) before unscale_\(\) or step\(\)/);
  const copy = new optim.GradScaler();
  copy.loadStateDict({ scale: 1024, growthTracker: 5 });
  assert.deepEqual(copy.stateDict(), { scale: 1024, growthTracker: 5 });
  assert.throws(() => copy.loadStateDict({ scale: -1, growthTracker: 0 }), /malformed state/);
  assert.throws(() => new optim.GradScaler({ backoffFactor: 2 }), /backoffFactor must be in \(0, 1\)/);
  assert.throws(() => new optim.GradScaler({ growthInterval: 0 }), /growthInterval must be a positive integer/);
  // The scale is a float32 value, as PyTorch's: 0.1 * 2 is rounded to float32.
  const odd = new optim.GradScaler({ initScale: 0.1, growthInterval: 1 });
  odd.unscale_(new optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 1 }));
  odd.update();
  assert.equal(odd.scaleFactor, Math.fround(Math.fround(0.1) * 2));
});

const SMALL: DTConfig = { ...PAPER_CONFIG, nLayer: 1, nHead: 2, dModel: 32, dInner: 64, dropout: 0, maxEpisodeLength: 100, nPositions: 16 };

type LossFn = NonNullable<Parameters<typeof trainStep>[3]['loss']>;

function stepOnce(mp: MixedPrecision | undefined, loss?: LossFn): { loss: number; skipped?: boolean; params: Float32Array[]; initial: Float32Array[]; optimizerSteps: number } {
  torch.manualSeed(5);
  const model = new DecisionTransformer(SMALL);
  const initial = model.parameters().map((p) => p.toFloat32Array());
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-3 });
  torch.manualSeed(6);
  const batch = paddedBatch(4, SMALL.contextLength, SMALL, [4, 6]);
  try {
    const r = trainStep(model, opt, () => batch, { accumulation: 1, gradClip: 0.25, seed: 1, mixedPrecision: mp, loss });
    const steps = (opt.stateDict().meta.scalars['0']?.step as number | undefined) ?? 0;
    return { ...r, params: model.parameters().map((p) => p.toFloat32Array()), initial, optimizerSteps: steps };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

test('the training step under bf16 autocast; with loss scaling it updates the same parameters, and an overflow skips the update', () => {
  const fp32 = stepOnce(undefined);
  const bf16 = stepOnce({ precision: 'bf16', deviceType: 'cpu' });
  assert.ok(Math.abs(bf16.loss - fp32.loss) > 0 && Math.abs(bf16.loss - fp32.loss) < 1e-2 * fp32.loss, `bf16 loss ${bf16.loss} vs fp32 ${fp32.loss}`);
  // A power-of-two scale moves only exponents, so the unscaled gradients, the clipping and the update
  // are the same bit for bit as without scaling (unless the scaler were applied in the wrong place).
  const scaled = stepOnce({ precision: 'bf16', deviceType: 'cpu', scaler: new optim.GradScaler() });
  assert.equal(scaled.skipped, false);
  assert.equal(scaled.optimizerSteps, 1);
  assert.equal(scaled.loss, bf16.loss, 'the reported loss is the unscaled one');
  for (let i = 0; i < bf16.params.length; i++) assert.deepEqual(scaled.params[i], bf16.params[i], `parameter ${i}`);
  // A finite loss whose gradient is NaN (d/dp sqrt(0 * p) at 0): the step is skipped, nothing changes,
  // and the scale backs off.
  const scaler = new optim.GradScaler();
  const nanGrad: LossFn = (m, x, mask) => m.loss(x, mask).add(m.action_head.bias!.mul(0).sqrt().sum());
  const overflow = stepOnce({ precision: 'bf16', deviceType: 'cpu', scaler }, nanGrad);
  assert.equal(overflow.skipped, true);
  assert.ok(Number.isFinite(overflow.loss));
  assert.equal(overflow.optimizerSteps, 0, 'AdamW did not step');
  for (let i = 0; i < overflow.initial.length; i++) assert.deepEqual(overflow.params[i], overflow.initial[i], `parameter ${i} unchanged`);
  assert.equal(scaler.scaleFactor, 32768);
  assert.notDeepEqual(fp32.params[0], fp32.initial[0], 'a step that is not skipped moves the same initial parameters');
});

test('train.precision and train.device: validated, refused where they cannot run, and the device may change on --resume', () => {
  const base = { name: 'x', data: { dir: 'data/x', tasks: ['reach-v2'] }, train: { steps: 10 } };
  const cfg = parsePretrainConfig(base);
  assert.equal(cfg.train.device, 'cpu');
  assert.equal(cfg.train.precision, 'fp32');
  assert.throws(() => parsePretrainConfig({ ...base, train: { steps: 10, device: 'gpu' } }), /train\.device: must be 'cpu', 'cuda' or 'cuda:N'/);
  assert.throws(() => parsePretrainConfig({ ...base, train: { steps: 10, precision: 'fp8' } }), /train\.precision/);
  assert.equal(mixedPrecision({ precision: 'fp32', device: 'cpu' }), undefined);
  assert.equal(mixedPrecision({ precision: 'bf16', device: 'cpu' })?.scaler, undefined);
  assert.throws(() => mixedPrecision({ precision: 'fp16', device: 'cpu' }), /fp16 runs on a GPU only \(train\.device is cpu\); use bf16 on the CPU/);
  assert.throws(() => checkDevice('tpu'), /unknown device 'tpu'/);
  if (!torch.cuda.isAvailable()) assert.throws(() => checkDevice('cuda'), /'cuda' needs a CUDA build of libtorch and a GPU; the addon is linked against libtorch \d/);
  checkDevice('cpu');
  // A config.json written before these fields existed resumes as fp32; the device is not part of a run's identity.
  const { precision: _p, device: _d, ...old } = cfg.train;
  assert.deepEqual(trainIdentity(old), trainIdentity({ ...cfg.train, device: 'cuda:1' }));
  assert.notDeepEqual(trainIdentity({ ...cfg.train, precision: 'bf16' }), trainIdentity(cfg.train));
});
