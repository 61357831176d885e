/**
 * EWC and L2 (src/adapt/ewc.ts): the Fisher, the anchors and the penalty (value and gradient) against a
 * PyTorch reference that keeps one (Fisher, parameters) pair per finished task as the original does
 * (test/reference/adapt_ewc.py); L2 = EWC with F = 1; the original code's variants (last task only,
 * penalty inside the Fisher's loss); checkpoints and resumed training; config and call errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import '../src/adapt/index.ts';
import { createMethod, parseMethodConfig } from '../src/adapt/registry.ts';
import { attachMethod } from '../src/adapt/inject.ts';
import { loadAdapter, saveAdapter } from '../src/adapt/checkpoint.ts';
import { QuadraticAnchors, fisherDiagonal } from '../src/adapt/ewc.ts';
import type { AdaptMethod, TaskData, TaskInfo } from '../src/adapt/method.ts';
import { adamwGroups } from '../src/train/optimizer.ts';
import { trainStep, type StepBatch } from '../src/train/step.ts';
import { paddedBatch } from './helpers/dt-batch.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CFG: DTConfig = { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 32, dInner: 128, dropout: 0, maxEpisodeLength: 200, nPositions: 16, actionPositionEmbedding: true };
const SEQUENCE = ['task-a', 'task-b', 'task-c'];
const FIELDS = ['states', 'actionTokens', 'returnsToGo', 'rewards', 'timesteps', 'attentionMask'] as const;

function base(cfg: DTConfig = CFG, seed = 5): DecisionTransformer {
  torch.manualSeed(seed);
  return new DecisionTransformer(cfg);
}

function taskInfo(index: number): TaskInfo {
  return { index, name: SEQUENCE[index]!, sequence: SEQUENCE };
}

/** Batches of task t (kept; nextBatch hands out clones, which the caller's scope frees). */
function taskBatches(t: number, count: number, cfg: DTConfig = CFG): StepBatch[] {
  return Array.from({ length: count }, (_, b) => {
    torch.manualSeed(1000 * (t + 1) + b);
    const batch = paddedBatch(5, cfg.contextLength, cfg, [4, 6, 2, 3]);
    batch.x.taskIds = torch.full([5], t, { dtype: 'int64' });
    for (const v of Object.values(batch.x)) torch.keep(v as torch.Tensor);
    torch.keep(batch.actionMask);
    return batch;
  });
}

function cloneBatch(b: StepBatch): StepBatch {
  const x = Object.fromEntries(Object.entries(b.x).map(([k, v]) => [k, (v as torch.Tensor).clone()])) as unknown as StepBatch['x'];
  return { x, actionMask: b.actionMask.clone() };
}

/** TaskData over a fixed list of batches, counting the draws. */
function dataOf(batches: StepBatch[]): TaskData & { drawn: number } {
  const d = {
    drawn: 0,
    nextBatch(): StepBatch {
      const b = batches[d.drawn % batches.length]!;
      d.drawn += 1;
      return cloneBatch(b);
    },
  };
  return d;
}

function disposeBatches(batches: StepBatch[]): void {
  for (const b of batches) {
    torch.dispose(Object.values(b.x));
    b.actionMask.dispose();
  }
}

/** Moves every trainable parameter (a stand-in for a task's training). */
function perturb(model: DecisionTransformer, seed: number, scale = 0.05): void {
  torch.manualSeed(seed);
  torch.noGrad(() => {
    for (const [, p] of model.namedParameters()) if (p.requiresGrad) p.add_(torch.tidy(() => torch.randn(p.shape).mul(scale)));
  });
}

function snapshot(model: DecisionTransformer, names: readonly string[]): Record<string, torch.Tensor> {
  const sd = model.stateDict();
  return Object.fromEntries(names.map((n) => [n, torch.keep(sd[n]!.detach().clone())]));
}

function trainedNames(model: DecisionTransformer): string[] {
  return Array.from(model.namedParameters()).filter(([, p]) => p.requiresGrad).map(([n]) => n);
}

function relError(a: torch.Tensor, b: torch.Tensor): number {
  return torch.tidy(() => a.sub(b).abs().max().item() / Math.max(b.abs().max().item(), 1e-12));
}

function anchorsOf(model: DecisionTransformer): QuadraticAnchors {
  assert.ok(model.adapt instanceof QuadraticAnchors);
  return model.adapt;
}

/**
 * Two tasks end (parameters moved before each), the parameters move again, and the Fisher of each task,
 * the anchors and the penalty with its gradient are compared with the PyTorch reference.
 */
function checkAgainstReference(spec: { name: string } & Record<string, unknown>, batchesPerTask: number): void {
  const model = base();
  const method = createMethod(spec);
  attachMethod(model, method);
  const names = trainedNames(model);
  const all = Array.from(model.namedParameters(), ([n]) => n);
  const adapt = anchorsOf(model);
  const record: Record<string, torch.Tensor> = {};
  const data = [0, 1].map((t) => taskBatches(t, Math.max(batchesPerTask, 1)));
  const importanceAfter: Record<string, torch.Tensor>[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-ewc-'));
  try {
    assert.equal(method.penalty!(model), undefined, 'a penalty before any task has ended');
    for (const t of [0, 1]) {
      perturb(model, 40 + t);
      const theta = snapshot(model, all);
      for (const n of all) record[`task${t}.param.${n}`] = theta[n]!;
      data[t]!.forEach((b, i) => {
        for (const f of FIELDS) record[`task${t}.batch${i}.${f}`] = b.x[f];
        record[`task${t}.batch${i}.actionMask`] = b.actionMask;
      });
      const d = dataOf(data[t]!);
      method.endTask!(model, taskInfo(t), d);
      assert.equal(d.drawn, batchesPerTask, `task ${t}: batches drawn for the Fisher`);
      importanceAfter.push(Object.fromEntries(names.map((n) => [n, torch.keep(adapt.get('importance', n).clone())])));
      if (t === 0 || spec.previousTasks === 'last') {
        for (const n of names) assert.ok(adapt.get('anchor', n).equal(theta[n]!), `task ${t}: the anchor of ${n} is not the parameters at the task's end`);
      }
      for (const p of model.parameters()) assert.equal(p.grad, null, 'endTask left gradients behind');
    }
    assert.deepEqual(method.state!(), { finished: [0, 1] });
    perturb(model, 50);
    const final = snapshot(model, all);
    for (const n of all) record[`final.param.${n}`] = final[n]!;

    const inFile = path.join(dir, 'in.safetensors');
    const outFile = path.join(dir, 'out.safetensors');
    const methodConfig = { ...(method.config as Record<string, unknown>), l2: spec.name === 'l2' };
    torch.saveSafetensors(inFile, record, { config: JSON.stringify(CFG), method_config: JSON.stringify(methodConfig), trainable: JSON.stringify(names), tasks: '2', batches: String(batchesPerTask) });
    torch.testing.runPython(path.join(here, 'reference', 'adapt_ewc.py'), [inFile, outFile]);
    const ref = torch.loadSafetensors(outFile).tensors;

    // Fisher (or ones) of each task: A after task 0 = F0; after task 1 = F0 + F1 (all) or F1 (last).
    for (const n of names) {
      const f0 = ref[`fisher0.${n}`]!;
      const f1 = ref[`fisher1.${n}`]!;
      const err0 = relError(importanceAfter[0]![n]!, f0);
      assert.ok(err0 <= 1e-5, `${n}: task 0's Fisher, relative error ${err0}`);
      const want1 = spec.previousTasks === 'last' ? f1 : torch.tidy(() => f0.add(f1));
      const err1 = relError(importanceAfter[1]![n]!, want1);
      assert.ok(err1 <= 1e-5, `${n}: importance after task 1, relative error ${err1}`);
    }
    const someFisher = names.some((n) => torch.tidy(() => ref[`fisher1.${n}`]!.abs().max().item() > 0));
    assert.ok(someFisher, 'the reference Fisher is zero everywhere');

    // The penalty and its gradient at the final parameters.
    model.zeroGrad();
    const penalty = method.penalty!(model)!;
    penalty.backward();
    const want = ref.penalty!.item();
    assert.ok(want > 0);
    assert.ok(Math.abs(penalty.item() - want) <= 1e-5 * want, `penalty ${penalty.item()} vs PyTorch ${want}`);
    const sd = model.stateDict();
    for (const n of names) {
      const err = relError(sd[n]!.grad!, ref[`penalty_grad.${n}`]!);
      assert.ok(err <= 1e-5, `${n}: penalty gradient, relative error ${err}`);
    }
    model.zeroGrad();
    penalty.dispose();
    torch.dispose(ref);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const d of data) disposeBatches(d);
    torch.dispose(record);
    for (const r of importanceAfter) torch.dispose(r);
    model.dispose();
  }
}

test('EWC: Fisher (10 batches), anchors and penalty of two finished tasks match PyTorch (separate mode)', () => {
  checkAgainstReference({ name: 'ewc' }, 10);
});

test('EWC as the original code runs it: last task only, penalty inside the Fisher loss, on the last block', () => {
  checkAgainstReference({ name: 'ewc', previousTasks: 'last', fisherLoss: 'loss+penalty', fisherBatches: 3, trainable: ['blocks.1.*', 'action_head.*'], lambda: 50 }, 3);
});

test('EWC with the penalty inside the Fisher loss, every finished task', () => {
  checkAgainstReference({ name: 'ewc', fisherLoss: 'loss+penalty', fisherBatches: 2 }, 2);
});

test('L2 = EWC with F = 1: no batches drawn, the penalty matches PyTorch', () => {
  checkAgainstReference({ name: 'l2' }, 0);
});

test('L2 penalty equals lambda * sum over tasks of squared distances, and EWC with unit importance', () => {
  const model = base();
  const l2 = createMethod({ name: 'l2', lambda: 3 });
  attachMethod(model, l2);
  const names = trainedNames(model);
  const anchors: Record<string, torch.Tensor>[] = [];
  for (const t of [0, 1, 2]) {
    perturb(model, 60 + t);
    anchors.push(snapshot(model, names));
    l2.endTask!(model, taskInfo(t), dataOf([]));
  }
  perturb(model, 70);
  const sd = model.stateDict();
  const direct = torch.tidy(() => {
    let s = 0;
    for (const a of anchors) for (const n of names) s += sd[n]!.sub(a[n]!).square().sum().item();
    return 3 * s;
  });
  const got = torch.tidy(() => l2.penalty!(model)!.item());
  assert.ok(Math.abs(got - direct) <= 1e-5 * direct, `L2 penalty ${got} vs direct ${direct}`);
  const adapt = anchorsOf(model);
  for (const n of names) torch.tidy(() => assert.ok(adapt.get('importance', n).equal(torch.fullLike(sd[n]!, 3)), `${n}: L2 importance is not the number of tasks`));
  for (const a of anchors) torch.dispose(a);
  model.dispose();
});

test('EWC: no penalty before a task ends or with lambda 0; the loss of trainStep includes the penalty', () => {
  const model = base();
  const ewc = createMethod({ name: 'ewc', fisherBatches: 2 });
  attachMethod(model, ewc);
  assert.equal(ewc.penalty!(model), undefined);
  const batches = taskBatches(0, 2);
  ewc.endTask!(model, taskInfo(0), dataOf(batches));
  assert.equal(torch.tidy(() => ewc.penalty!(model)!.item()), 0, 'the penalty at the anchors is not 0');
  perturb(model, 80);
  const b = batches[0]!;
  const expected = torch.tidy(() => torch.noGrad(() => model.loss(b.x, b.actionMask).item() + ewc.penalty!(model)!.item()));
  const opt = new torch.optim.AdamW(adamwGroups(model, 0.01), { lr: 1e-3 });
  const { loss } = trainStep(model, opt, () => cloneBatch(b), { accumulation: 1, gradClip: 1, seed: 1, method: ewc });
  opt.dispose();
  assert.ok(Math.abs(loss - expected) <= 1e-5 * expected, `trainStep loss ${loss} vs loss + penalty ${expected}`);

  const zero = base();
  const off = createMethod({ name: 'ewc', lambda: 0, fisherBatches: 1 });
  attachMethod(zero, off);
  off.endTask!(zero, taskInfo(0), dataOf(batches));
  perturb(zero, 81);
  assert.equal(off.penalty!(zero), undefined);
  disposeBatches(batches);
  model.dispose();
  zero.dispose();
});

test('EWC: trainable names the regularised parameters; the rest is frozen and has no buffers', () => {
  const model = base();
  attachMethod(model, createMethod({ name: 'ewc', trainable: ['blocks.1.*'] }));
  const names = trainedNames(model);
  assert.ok(names.length > 0 && names.every((n) => n.startsWith('blocks.1.')));
  const buffers = Object.keys(model.stateDict()).filter((n) => n.startsWith('adapt.'));
  assert.deepEqual(buffers.sort(), names.flatMap((n) => ['importance', 'anchor', 'offset'].map((k) => `adapt.${k}.${n}`)).sort());
  model.dispose();
});

test('EWC: the Fisher pass runs with dropout (as the original) from the generator the caller seeds, and restores the mode', () => {
  const cfg: DTConfig = { ...CFG, dropout: 0.2 };
  const batches = taskBatches(0, 3, cfg);
  const results = [0, 1].map(() => {
    const model = base(cfg);
    const ewc = createMethod({ name: 'ewc', fisherBatches: 3 });
    attachMethod(model, ewc);
    model.eval();
    torch.manualSeed(123); // the loop seeds the generator before endTask
    ewc.endTask!(model, taskInfo(0), dataOf(batches));
    assert.equal(model.training, false, 'endTask left the model in training mode');
    return model;
  });
  const a = results[0]!.stateDict();
  const b = results[1]!.stateDict();
  for (const n of Object.keys(a).filter((k) => k.startsWith('adapt.importance.'))) assert.ok(a[n]!.equal(b[n]!), `${n}: the Fisher differs between identical runs`);
  // Dropout is on during the pass: the Fisher differs from the one of the same weights without dropout.
  const plain = base(CFG);
  const plainParams = trainedNames(results[0]!).map((n) => plain.stateDict()[n]! as torch.nn.Parameter);
  const withoutDropout = fisherDiagonal(plain, plainParams, dataOf(batches), 3);
  const names = trainedNames(results[0]!);
  const differs = names.some((n, i) => !a[`adapt.importance.${n}`]!.equal(withoutDropout[i]!));
  assert.ok(differs, 'the Fisher pass ran without dropout');
  torch.dispose(withoutDropout);
  disposeBatches(batches);
  plain.dispose();
  for (const m of results) m.dispose();
});

test('EWC: Fisher and anchors survive adapter and training checkpoints; resumed training is identical', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-ewc-ckpt-'));
  const batches = [0, 1, 2].map((t) => taskBatches(t, 2));
  const spec = { name: 'ewc', fisherBatches: 2 };
  try {
    const model = base();
    const ewc = createMethod(spec);
    attachMethod(model, ewc);
    for (const t of [0, 1]) {
      perturb(model, 90 + t);
      ewc.endTask!(model, taskInfo(t), dataOf(batches[t]!));
    }
    perturb(model, 95);
    const penalty = torch.tidy(() => ewc.penalty!(model)!.item());

    // Adapter checkpoint (state dict of what the method adds or trains, plus its state).
    saveAdapter(path.join(dir, 'adapter'), model, ewc);
    const again = base();
    const reloaded = loadAdapter(path.join(dir, 'adapter'), again);
    assert.deepEqual(reloaded.state!(), { finished: [0, 1] });
    assert.equal(torch.tidy(() => reloaded.penalty!(again)!.item()), penalty, 'the reloaded adapter gives another penalty');

    // Training checkpoint (full state dict + methodState), as the training loops write them.
    torch.saveCheckpoint(path.join(dir, 'train'), { model, meta: { methodState: ewc.state!() } });
    const fresh = base();
    const resumed = createMethod(spec);
    attachMethod(fresh, resumed);
    const meta = torch.loadCheckpoint(path.join(dir, 'train'), { model: fresh }) as { methodState: unknown };
    resumed.restore!(meta.methodState);

    const run = (m: DecisionTransformer, method: AdaptMethod): void => {
      const opt = new torch.optim.AdamW(adamwGroups(m, 0.01), { lr: 1e-3 });
      for (let u = 0; u < 3; u++) trainStep(m, opt, () => cloneBatch(batches[2]![u % 2]!), { accumulation: 1, gradClip: 1, seed: u, method });
      opt.dispose();
      method.endTask!(m, taskInfo(2), dataOf(batches[2]!));
    };
    run(model, ewc);
    run(fresh, resumed);
    const a = model.stateDict();
    const b = fresh.stateDict();
    for (const n of Object.keys(a)) assert.ok(a[n]!.equal(b[n]!), `${n} differs after resuming`);
    for (const m of [model, again, fresh]) m.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const b of batches) disposeBatches(b);
  }
});

test('EWC / L2: bad configs and calls are clear errors', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ name: 'ewc', lambda: -1 }, /lambda/],
    [{ name: 'ewc', fisherBatches: 0 }, /fisherBatches/],
    [{ name: 'ewc', fisherBatches: 2.5 }, /fisherBatches/],
    [{ name: 'ewc', mode: 'online' }, /mode|unrecognized/i],
    [{ name: 'ewc', previousTasks: 'some' }, /previousTasks/],
    [{ name: 'ewc', fisherLoss: 'ce' }, /fisherLoss/],
    [{ name: 'ewc', trainable: [] }, /trainable/],
    [{ name: 'l2', fisherBatches: 10 }, /fisherBatches|unrecognized/i],
  ];
  for (const [spec, re] of bad) assert.throws(() => parseMethodConfig(spec), re, JSON.stringify(spec));
  assert.deepEqual(parseMethodConfig({ name: 'ewc' }).config, { lambda: 400, trainable: 'all', previousTasks: 'all', fisherBatches: 10, fisherLoss: 'loss' });
  assert.deepEqual(parseMethodConfig({ name: 'l2' }).config, { lambda: 400, trainable: 'all', previousTasks: 'all' });

  const model = base();
  assert.throws(() => attachMethod(model, createMethod({ name: 'ewc', trainable: ['nothing.*'] })), /matches no parameter/);
  model.dispose();

  const m2 = base();
  const l2 = createMethod({ name: 'l2' });
  attachMethod(m2, l2);
  l2.endTask!(m2, taskInfo(1), dataOf([]));
  assert.throws(() => l2.endTask!(m2, taskInfo(1), dataOf([])), /already ended/);
  assert.throws(() => l2.endTask!(m2, taskInfo(0), dataOf([])), /ends after task 1/);
  assert.throws(() => l2.restore!({ finished: 'x' }), /malformed/);
  m2.dispose();
});
