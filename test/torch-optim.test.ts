import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';

const { optim, nn } = torch;
const here = path.dirname(fileURLToPath(import.meta.url));

interface Run {
  name: string;
  type: 'Adam' | 'AdamW' | 'SGD';
  groups: Array<Record<string, unknown> & { params: number[] }>;
  steps: number;
  clip?: number;
}

const SHAPES = [[3, 4], [4], [2, 2, 3]];
const STEPS = 6;

function makeOptimizer(run: Run, params: torch.Tensor[]): torch.optim.Optimizer<{ lr: number }> {
  const groups = run.groups.map(({ params: idx, ...o }) => ({ params: idx.map((i) => params[i]!), ...o }));
  if (run.type === 'Adam') return new optim.Adam(groups as never);
  if (run.type === 'AdamW') return new optim.AdamW(groups as never);
  return new optim.SGD(groups as never, { lr: (run.groups[0]!.lr as number) ?? 0.01 });
}

test('Adam, AdamW and SGD (groups, weight decay, momentum, Nesterov, clipping) match torch.optim', () => {
  torch.testing.findTorchPython();
  torch.manualSeed(3);
  const init = SHAPES.map((s) => torch.randn(s));
  // Gradients per step; parameter 1 has none at step 2 (skipped, as in PyTorch).
  const grads = Array.from({ length: STEPS }, (_, step) => SHAPES.map((s, i) => (step === 2 && i === 1 ? null : torch.randn(s).mul(step + 1))));
  const runs: Run[] = [
    { name: 'adam', type: 'Adam', steps: STEPS, groups: [{ params: [0, 1, 2], lr: 0.01 }] },
    { name: 'adam_wd_groups', type: 'Adam', steps: STEPS, groups: [{ params: [0], lr: 0.02, weightDecay: 0.1 }, { params: [1, 2], lr: 0.005, betas: [0.8, 0.99], eps: 1e-6 }] },
    { name: 'adamw', type: 'AdamW', steps: STEPS, groups: [{ params: [0, 2], lr: 0.01, weightDecay: 0.1 }, { params: [1], lr: 0.03, weightDecay: 0 }], clip: 5 },
    { name: 'sgd', type: 'SGD', steps: STEPS, groups: [{ params: [0, 1, 2], lr: 0.05 }] },
    { name: 'sgd_momentum', type: 'SGD', steps: STEPS, groups: [{ params: [0, 1], lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }, { params: [2], lr: 0.01, momentum: 0.9, nesterov: true }] },
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-optim-'));
  try {
    const record: Record<string, torch.Tensor> = {};
    init.forEach((p, i) => (record[`p.${i}`] = p));
    grads.forEach((gs, step) => gs.forEach((g, i) => g && (record[`g.${step}.${i}`] = g)));
    const inFile = path.join(dir, 'in.safetensors');
    const outFile = path.join(dir, 'out.safetensors');
    torch.saveSafetensors(inFile, record, { spec: JSON.stringify(runs) });
    torch.testing.runPython(path.join(here, 'reference', 'optim_parity.py'), [inFile, outFile]);
    const ref = torch.loadSafetensors(outFile).tensors;
    for (const run of runs) {
      const params = init.map((p) => new nn.Parameter(p.clone()));
      const opt = makeOptimizer(run, params);
      for (let step = 0; step < STEPS; step++) {
        params.forEach((p, i) => (p.grad = torch.tidy(() => grads[step]![i]?.clone() ?? null)));
        if (run.clip) {
          const norm = torch.clipGradNorm_(params, run.clip);
          const refNorm = ref[`${run.name}.norm.${step}`]!.item();
          assert.ok(Math.abs(norm - refNorm) <= 1e-6 * refNorm, `${run.name}: clip norm ${norm} vs ${refNorm}`);
        }
        opt.step();
      }
      params.forEach((p, i) => {
        const r = ref[`${run.name}.p.${i}`]!;
        const diff = torch.tidy(() => p.sub(r).abs().max().item());
        assert.ok(diff <= 1e-6, `${run.name} parameter ${i}: max difference ${diff} from torch.optim`);
      });
      opt.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('optimizer state saved and restored continues exactly like an uninterrupted run', () => {
  torch.manualSeed(5);
  const target = torch.randn([4, 2]);
  const x = torch.randn([8, 4]);
  const train = (model: torch.nn.Linear, opt: torch.optim.Optimizer<{ lr: number }>, steps: number): void => {
    for (let i = 0; i < steps; i++) {
      torch.tidy(() => {
        opt.zeroGrad();
        torch.F.mseLoss(model.forward(x), x.matmul(target)).backward();
        opt.step();
      });
    }
  };
  torch.manualSeed(1);
  const a = new nn.Linear(4, 2);
  const optA = new optim.AdamW(a.parameters(), { lr: 0.01, weightDecay: 0.05 });
  train(a, optA, 6);

  torch.manualSeed(1);
  const b = new nn.Linear(4, 2);
  const optB = new optim.AdamW(b.parameters(), { lr: 0.01, weightDecay: 0.05 });
  train(b, optB, 3);
  const saved = optB.stateDict();
  assert.deepEqual(Object.keys(saved.tensors).sort(), ['state.0.exp_avg', 'state.0.exp_avg_sq', 'state.1.exp_avg', 'state.1.exp_avg_sq']);
  assert.equal(saved.meta.scalars['0']!.step, 3);
  const c = new nn.Linear(4, 2);
  c.loadStateDict(b.stateDict());
  const optC = new optim.AdamW(c.parameters(), { lr: 0.5 });
  optC.loadStateDict(saved);
  assert.equal(optC.paramGroups[0]!.options.lr, 0.01, 'hyper-parameters restored');
  train(c, optC, 3);
  assert.ok(a.weight.equal(c.weight), 'weights equal bit for bit');
  assert.ok(a.bias!.equal(c.bias!));

  const wrong = new optim.AdamW([new nn.Parameter(torch.zeros([3]))]);
  assert.throws(() => wrong.loadStateDict(saved), /group 0 has 2 parameters, this optimizer 1/);
  assert.throws(() => new optim.Adam(a.parameters()).loadStateDict(saved), /saved by AdamW, cannot load into Adam/);
});

test('learning-rate schedules: LambdaLR with linear warm-up and cosine decay', () => {
  const p = new nn.Parameter(torch.zeros([1]));
  const opt = new optim.AdamW([p], { lr: 0.1 });
  const sched = new optim.LambdaLR(opt, optim.linearWarmup(4));
  const lrs = [opt.paramGroups[0]!.options.lr];
  for (let i = 0; i < 5; i++) {
    sched.step();
    lrs.push(sched.getLastLr()[0]!);
  }
  const expected = [0.025, 0.05, 0.075, 0.1, 0.1, 0.1];
  lrs.forEach((lr, i) => assert.ok(Math.abs(lr - expected[i]!) < 1e-12, `step ${i}: ${lr} vs ${expected[i]}`));
  const cos = optim.cosineWithWarmup(10, 110, 0.1);
  assert.equal(cos(0), 0);
  assert.equal(cos(5), 0.5);
  assert.equal(cos(10), 1);
  assert.ok(Math.abs(cos(60) - (0.1 + 0.9 * 0.5)) < 1e-12);
  assert.ok(Math.abs(cos(110) - 0.1) < 1e-12);
  assert.ok(Math.abs(cos(500) - 0.1) < 1e-12);
  const ann = optim.cosineAnnealing(100, 0.1, 0.01);
  assert.ok(Math.abs(ann(0) - 1) < 1e-12);
  assert.ok(Math.abs(ann(50) * 0.1 - 0.055) < 1e-12);
  assert.ok(Math.abs(ann(100) * 0.1 - 0.01) < 1e-12);
  // Per-group base learning rates are kept separately.
  const q = new nn.Parameter(torch.zeros([1]));
  const opt2 = new optim.SGD([{ params: [p], lr: 1 }, { params: [q], lr: 0.5 }], { lr: 1 });
  const s2 = new optim.LambdaLR(opt2, (e) => 1 / (e + 1));
  s2.step();
  assert.deepEqual(s2.getLastLr(), [0.5, 0.25]);
  const restored = new optim.LambdaLR(new optim.SGD([{ params: [p], lr: 1 }, { params: [q], lr: 0.5 }], { lr: 1 }), (e) => 1 / (e + 1));
  restored.loadStateDict(s2.stateDict());
  assert.deepEqual(restored.getLastLr(), [0.5, 0.25]);
});

test('optimizers reject bad hyper-parameters and duplicate parameters', () => {
  const p = new nn.Parameter(torch.zeros([2]));
  assert.throws(() => new optim.Adam([p], { lr: -1 }), /invalid learning rate -1/);
  assert.throws(() => new optim.AdamW([p], { betas: [1.2, 0.9] }), /invalid betas/);
  assert.throws(() => new optim.SGD([{ params: [p] }, { params: [p] }], { lr: 0.1 }), /more than one group/);
  assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /Nesterov/);
});
