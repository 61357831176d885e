/**
 * PackNet (src/adapt/packnet.ts), driven as a continual loop drives it (the order in the file's
 * header) with the shared trainStep on tiny synthetic batches: the weights of earlier tasks stay
 * bit-identical through later tasks (AdamW's weight decay included), task j's logits after the whole
 * sequence equal its logits at the end of phase j, pruning takes the fractions Continual World takes,
 * views restore exactly, checkpoints resume identically, and bad configs and call orders are errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig, type DTInputs } from '../src/model/decision-transformer.ts';
import '../src/adapt/index.ts';
import { createMethod, parseMethodConfig } from '../src/adapt/registry.ts';
import { attachMethod } from '../src/adapt/inject.ts';
import { loadAdapter, saveAdapter } from '../src/adapt/checkpoint.ts';
import { PackNetOwners, pruneIndex } from '../src/adapt/packnet.ts';
import type { AdaptMethod, TaskData, TaskInfo } from '../src/adapt/method.ts';
import { adamwGroups } from '../src/train/optimizer.ts';
import { trainStep, type StepBatch } from '../src/train/step.ts';
import { paddedBatch } from './helpers/dt-batch.ts';

const CFG: DTConfig = { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 32, dInner: 128, dropout: 0.1, maxEpisodeLength: 200, nPositions: 16, actionPositionEmbedding: true };
const SEQUENCE = ['task-a', 'task-b', 'task-c'];
const STEPS = 4;
const WEIGHT_DECAY = 0.1;

function base(seed = 5): DecisionTransformer {
  torch.manualSeed(seed);
  return new DecisionTransformer(CFG);
}

function taskInfo(index: number, sequence = SEQUENCE): TaskInfo {
  return { index, name: sequence[index] ?? `task-${index}`, sequence };
}

function makeBatch(seed: number, task: number, B = 5): StepBatch {
  torch.manualSeed(seed);
  const b = paddedBatch(B, CFG.contextLength, CFG, [4, 6, 2, 3]);
  b.x.taskIds = torch.full([B], task, { dtype: 'int64' });
  return b;
}

/** Fresh tensors each call (the caller's scope frees them): batch u of task t. */
function batchOf(t: number, u: number): StepBatch {
  return makeBatch(1000 * (t + 1) + (u % 3), t);
}

function dataOf(t: number): TaskData {
  let u = 0;
  return { nextBatch: () => batchOf(t, u++) };
}

function optimizer(model: DecisionTransformer): torch.optim.AdamW {
  return new torch.optim.AdamW(adamwGroups(model, WEIGHT_DECAY), { lr: 1e-2, weightDecay: WEIGHT_DECAY });
}

function ownersOf(model: DecisionTransformer): PackNetOwners {
  assert.ok(model.adapt instanceof PackNetOwners);
  return model.adapt;
}

function cloneAll(model: DecisionTransformer): Record<string, torch.Tensor> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([n, t]) => [n, torch.keep(t.detach().clone())]));
}

function evalLogits(model: DecisionTransformer, x: DTInputs): torch.Tensor {
  const was = model.training;
  model.eval();
  const out = torch.keep(torch.noGrad(() => model.forward(x)));
  model.train(was);
  return out;
}

/**
 * One phase of a continual loop as packnet.ts's header prescribes: beginTask, STEPS updates, endTask,
 * the retraining the method asks for (fresh optimisers around it), and a fresh optimiser for the next
 * task when the retraining reset it. Returns the optimiser to go on with.
 */
function phase(model: DecisionTransformer, method: AdaptMethod, i: number, opt: torch.optim.AdamW, hooks: { afterEndTask?: () => void } = {}): torch.optim.AdamW {
  const task = taskInfo(i);
  method.beginTask!(model, task);
  model.train();
  let u = 0;
  for (let s = 0; s < STEPS; s++, u++) trainStep(model, opt, () => batchOf(i, u), { accumulation: 1, gradClip: 1, seed: 100 * i + s, method });
  method.endTask!(model, task, dataOf(i));
  hooks.afterEndTask?.();
  const r = method.retraining!(task, STEPS);
  if (r.steps > 0) {
    if (r.resetOptimizer) {
      opt.dispose();
      opt = optimizer(model);
    }
    for (let s = 0; s < r.steps; s++, u++) trainStep(model, opt, () => batchOf(i, u), { accumulation: 1, gradClip: 1, seed: 100 * i + 50 + s, method });
    if (r.resetOptimizer) {
      opt.dispose();
      opt = optimizer(model);
    }
  }
  return opt;
}

function packedNames(model: DecisionTransformer): string[] {
  return [...ownersOf(model).weightNames];
}

test('PackNet over 3 tasks with trainStep and AdamW decay: earlier weights bit-identical, each task keeps its logits, views restore', () => {
  const model = base();
  const method = createMethod({ name: 'packnet', retrainSteps: 3 });
  attachMethod(model, method);
  const packed = packedNames(model);
  const others = Array.from(model.namedParameters(), ([n]) => n).filter((n) => !packed.includes(n));
  assert.ok(packed.includes('blocks.0.attn.c_attn.weight') && packed.includes('action_head.weight') && packed.includes('embed_timestep.weight') && packed.includes('wpe.weight'));
  assert.ok(others.includes('blocks.0.ln_1.weight') && others.includes('action_head.bias') && !others.some((n) => n.endsWith('.weight') && !n.includes('ln')));
  const evalBatch = makeBatch(7, 0, 6);
  const phaseParams: Record<string, torch.Tensor>[] = [];
  const phaseOwners: Record<string, torch.Tensor>[] = [];
  const phaseLogits: torch.Tensor[] = [];
  let frozenAt: Record<string, torch.Tensor> | undefined;
  let opt = optimizer(model);
  try {
    for (let i = 0; i < SEQUENCE.length; i++) {
      opt = phase(model, method, i, opt, { afterEndTask: () => (frozenAt ??= cloneAll(model)) });
      const all = cloneAll(model);
      phaseParams.push(all);
      phaseOwners.push(Object.fromEntries(Object.entries(all).filter(([n]) => n.startsWith('adapt.owner.'))));
      const restore = method.viewFor!(model, i);
      phaseLogits.push(evalLogits(model, evalBatch.x));
      restore();
      for (const [n, t] of Object.entries(model.stateDict())) assert.ok(t.equal(all[n]!), `viewFor(${i}) did not restore ${n}`);
    }
    const own = ownersOf(model);
    const sd = model.stateDict();
    // 1. every entry a task owns is bit-identical from the end of its phase on, and keeps its owner
    for (let i = 0; i < SEQUENCE.length; i++) {
      for (const n of packed) {
        torch.tidy(() => {
          const mask = own.owner(n).le(i);
          assert.ok(sd[n]!.maskedSelect(mask).equal(phaseParams[i]![n]!.maskedSelect(mask)), `${n}: entries of tasks <= ${i} moved after phase ${i}`);
          assert.ok(own.owner(n).maskedSelect(mask).equal(phaseOwners[i]![`adapt.owner.${n}`]!.maskedSelect(mask)), `${n}: owners of tasks <= ${i} changed`);
        });
      }
    }
    // 2. biases, LayerNorms: bit-identical from the end of the first task (before its retraining) on
    for (const n of others) assert.ok(sd[n]!.equal(frozenAt![n]!), `${n} moved after the first task`);
    // 3. later tasks did learn, in the entries they own
    for (const i of [1, 2]) {
      const learned = packed.some((n) => torch.tidy(() => !phaseParams[i]![n]!.maskedSelect(own.owner(n).eq(i)).equal(phaseParams[i - 1]![n]!.maskedSelect(own.owner(n).eq(i)))));
      assert.ok(learned, `task ${i} changed none of its weights`);
    }
    // 4. task j's logits after the whole sequence = its logits at the end of phase j
    for (let j = 0; j < SEQUENCE.length; j++) {
      const restore = method.viewFor!(model, j);
      const now = evalLogits(model, evalBatch.x);
      restore();
      assert.ok(now.equal(phaseLogits[j]!), `task ${j}: logits after the sequence differ from the end of its phase`);
      now.dispose();
    }
    // and the views differ from each other (the tasks' weights are in use)
    assert.ok(!phaseLogits[0]!.equal(phaseLogits[2]!));
    // 5. the last task owns what was handed to it; every owner is a task of the sequence
    for (const n of packed) torch.tidy(() => assert.ok(own.owner(n).le(2).all().item(), `${n}: an owner beyond the sequence`));
  } finally {
    opt.dispose();
    torch.dispose(phaseParams);
    torch.dispose(phaseLogits);
    if (frozenAt) torch.dispose(frozenAt);
    torch.dispose(Object.values(evalBatch.x));
    evalBatch.actionMask.dispose();
    model.dispose();
  }
});

test("PackNet: without afterStep, AdamW's decoupled decay moves the weights of earlier tasks; with it they stay", () => {
  const model = base();
  const method = createMethod({ name: 'packnet', retrainSteps: 0 });
  attachMethod(model, method);
  let opt = optimizer(model);
  opt = phase(model, method, 0, opt);
  opt.dispose();
  method.beginTask!(model, taskInfo(1));
  const own = ownersOf(model);
  const name = 'blocks.0.mlp.c_fc.weight';
  const p = model.stateDict()[name]!;
  const mine = (): torch.Tensor => own.owner(name).eq(0);
  const step = (m: AdaptMethod, seed: number): torch.Tensor => {
    const before = torch.keep(p.maskedSelect(mine()));
    const o = optimizer(model);
    trainStep(model, o, () => batchOf(1, seed), { accumulation: 1, gradClip: 1, seed, method: m });
    o.dispose();
    return before;
  };
  // afterBackward: gradients only where task 1 owns the entry (before clipping: the norm is task 1's), none for biases.
  torch.tidy(() => {
    const b = batchOf(1, 0);
    model.loss(b.x, b.actionMask).backward();
  });
  method.afterBackward!(model);
  torch.tidy(() => {
    const g = p.grad!;
    assert.equal(g.maskedSelect(own.owner(name).ne(1)).abs().max().item(), 0, 'gradient left on entries task 1 does not own');
    assert.ok(g.maskedSelect(own.owner(name).eq(1)).abs().max().item() > 0);
  });
  assert.equal(model.stateDict()['blocks.0.mlp.c_fc.bias']!.grad, null, 'a frozen bias kept its gradient');
  method.afterStep!(model);
  model.zeroGrad();
  const kept = step(method, 1);
  assert.ok(p.maskedSelect(mine()).equal(kept), 'with afterStep, task 0 weights moved');
  const { afterStep: _dropped, ...withoutAfterStep } = method;
  const before = step(withoutAfterStep as AdaptMethod, 2);
  const after = p.maskedSelect(mine());
  assert.ok(!after.equal(before), 'without afterStep, task 0 weights did not move (is weight decay on?)');
  // The masked gradient is zero and the optimiser is fresh: the change is the decay factor 1 - lr * wd.
  assert.ok(after.allclose(before.mul(1 - 1e-2 * WEIGHT_DECAY), 1e-6, 0), 'the drift is not the weight decay');
  torch.dispose([kept, before, after]);
  model.dispose();
});

test('PackNet pruning: the fractions Continual World takes, counted by hand; ties go to the next task', () => {
  const model = base();
  const method = createMethod({ name: 'packnet' });
  attachMethod(model, method);
  const own = ownersOf(model);
  const sd = model.stateDict();
  // Distinct magnitudes everywhere (a random permutation of 1..n, random signs).
  const distinct = (name: string, where?: torch.Tensor): void =>
    torch.noGrad(() =>
      torch.tidy(() => {
        const p = sd[name]!;
        const n = p.numel();
        const mags = torch.randperm(n).add(1).float().mul(1e-3).reshape(p.shape);
        const signs = torch.rand(p.shape).lt(0.5).float().mul(2).sub(1);
        const v = mags.mul(signs);
        p.copy_(where ? v.where(where, p) : v);
      }),
    );
  torch.manualSeed(11);
  for (const n of own.weightNames) distinct(n);
  // All 32 entries of embed_return.weight share one magnitude: CW prunes every entry at or below the threshold.
  torch.noGrad(() => sd['embed_return.weight']!.fill_(-0.5));
  const counts = (name: string): number[] => torch.tidy(() => [0, 1, 2].map((t) => own.owner(name).eq(t).sum().item()));
  const before = torch.keep(sd['blocks.0.attn.c_proj.weight']!.clone());

  method.beginTask!(model, taskInfo(0));
  method.endTask!(model, taskInfo(0), dataOf(0));
  // 3 tasks, after task 0: left = 2, fraction 2/3. c_proj [32, 32]: n = 1024, 1024 * 2/3 = 682.67 -> index 682,
  // 683 entries pruned (the 683 smallest), 341 kept. c_fc [128, 32]: 4096 * 2/3 = 2730.67 -> 2731 pruned, 1365 kept.
  assert.equal(pruneIndex(1024, 2 / 3), 682);
  assert.deepEqual(counts('blocks.0.attn.c_proj.weight'), [341, 683, 0]);
  assert.deepEqual(counts('blocks.1.mlp.c_fc.weight'), [1365, 2731, 0]);
  assert.deepEqual(counts('embed_return.weight'), [0, 32, 0]);
  // the pruned entries are the smallest magnitudes, now zero; the kept ones are untouched
  torch.tidy(() => {
    const p = sd['blocks.0.attn.c_proj.weight']!;
    const pruned = own.owner('blocks.0.attn.c_proj.weight').eq(1);
    const sorted = before.abs().reshape([-1]).sort().values;
    assert.ok(before.abs().le(sorted.select(0, 682)).equal(pruned), 'pruned entries are not the 683 smallest magnitudes');
    assert.equal(p.maskedSelect(pruned).abs().max().item(), 0);
    assert.ok(p.maskedSelect(pruned.logicalNot()).equal(before.maskedSelect(pruned.logicalNot())));
  });
  before.dispose();

  // Task 1 trains its entries (stand-in: distinct magnitudes again on what it owns), then ends: left = 1, fraction 1/2.
  method.beginTask!(model, taskInfo(1));
  torch.manualSeed(12);
  for (const n of own.weightNames) torch.tidy(() => distinct(n, own.owner(n).eq(1)));
  method.endTask!(model, taskInfo(1), dataOf(1));
  // c_proj: task 1 owns 683, 683 / 2 = 341.5 -> 342 pruned, 341 kept. c_fc: 2731 / 2 = 1365.5 -> 1366 pruned, 1365 kept.
  assert.deepEqual(counts('blocks.0.attn.c_proj.weight'), [341, 341, 342]);
  assert.deepEqual(counts('blocks.1.mlp.c_fc.weight'), [1365, 1365, 1366]);
  // The last task prunes nothing.
  method.beginTask!(model, taskInfo(2));
  const owners = torch.keep(own.owner('blocks.0.attn.c_proj.weight').clone());
  method.endTask!(model, taskInfo(2), dataOf(2));
  assert.ok(own.owner('blocks.0.attn.c_proj.weight').equal(owners));
  owners.dispose();
  // A two-task sequence hands half (+1) to the second task.
  const two = base();
  const m2 = createMethod({ name: 'packnet' });
  attachMethod(two, m2);
  const seq2 = ['x', 'y'];
  m2.endTask!(two, taskInfo(0, seq2), dataOf(0));
  const o2 = ownersOf(two);
  // action_head [64, 32]: 2048 / 2 = 1024 -> 1025 pruned (random init: distinct magnitudes).
  assert.equal(torch.tidy(() => o2.owner('action_head.weight').eq(1).sum().item()), 1025);
  model.dispose();
  two.dispose();
});

test('PackNet: retraining plan, and the embeddings option', () => {
  const method = createMethod({ name: 'packnet' });
  assert.deepEqual(method.retraining!(taskInfo(0), 1000), { steps: 100, resetOptimizer: true });
  assert.deepEqual(method.retraining!(taskInfo(2), 1000), { steps: 0, resetOptimizer: true }, 'the last task is not retrained');
  assert.deepEqual(createMethod({ name: 'packnet', retrainSteps: 7, resetOptimizer: false }).retraining!(taskInfo(1), 1000), { steps: 7, resetOptimizer: false });
  assert.deepEqual(createMethod({ name: 'packnet', retrainFraction: 1 }).retraining!(taskInfo(0), 1000), { steps: 1000, resetOptimizer: true });
  assert.deepEqual(parseMethodConfig({ name: 'packnet' }).config, { retrainFraction: 0.1, retrainSteps: null, resetOptimizer: true, embeddings: 'pack' });

  const model = base();
  attachMethod(model, createMethod({ name: 'packnet', embeddings: 'freeze' }));
  const packed = packedNames(model);
  assert.ok(packed.includes('blocks.0.attn.c_attn.weight') && packed.includes('embed_state.weight'));
  assert.ok(!packed.some((n) => ['embed_timestep.weight', 'embed_action.weight', 'embed_act_pos.weight', 'wpe.weight'].includes(n)));
  assert.equal(model.numParameters(true), model.numParameters(), 'PackNet trains every parameter at task 0');
  model.dispose();
});

test('PackNet: owners and state survive adapter and training checkpoints; the rest of the sequence resumes identically', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-packnet-'));
  try {
    const spec = { name: 'packnet', retrainSteps: 2 };
    const model = base();
    const method = createMethod(spec);
    attachMethod(model, method);
    let opt = optimizer(model);
    for (const i of [0, 1]) opt = phase(model, method, i, opt);
    opt.dispose();
    assert.deepEqual(method.state!(), { task: 1, ended: 1, frozen: true, tasks: 3 });
    saveAdapter(path.join(dir, 'adapter'), model, method);
    torch.saveCheckpoint(path.join(dir, 'train'), { model, meta: { methodState: method.state!() } });

    const fromAdapter = base();
    const m1 = loadAdapter(path.join(dir, 'adapter'), fromAdapter);
    const fromTrain = base();
    const m2 = createMethod(spec);
    attachMethod(fromTrain, m2);
    const meta = torch.loadCheckpoint(path.join(dir, 'train'), { model: fromTrain }) as { methodState: unknown };
    m2.restore!(meta.methodState);

    const runs: Array<[DecisionTransformer, AdaptMethod]> = [
      [model, method],
      [fromAdapter, m1],
      [fromTrain, m2],
    ];
    for (const [m, me] of runs) phase(m, me, 2, optimizer(m)).dispose();
    const ref = model.stateDict();
    for (const [m] of runs.slice(1)) {
      const sd = m.stateDict();
      assert.deepEqual(Object.keys(sd).sort(), Object.keys(ref).sort());
      for (const n of Object.keys(ref)) assert.ok(sd[n]!.equal(ref[n]!), `${n} differs after resuming`);
    }
    for (const [m] of runs) m.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('PackNet: bad configs and call orders are clear errors', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ name: 'packnet', retrainFraction: 1.5 }, /retrainFraction/],
    [{ name: 'packnet', retrainFraction: -0.1 }, /retrainFraction/],
    [{ name: 'packnet', retrainSteps: -1 }, /retrainSteps/],
    [{ name: 'packnet', retrainSteps: 2.5 }, /retrainSteps/],
    [{ name: 'packnet', embeddings: 'prune' }, /embeddings/],
    [{ name: 'packnet', pruneFraction: 0.5 }, /unrecognized/i],
  ];
  for (const [spec, re] of bad) assert.throws(() => parseMethodConfig(spec), re, JSON.stringify(spec));

  const model = base();
  const method = createMethod({ name: 'packnet' });
  attachMethod(model, method);
  assert.throws(() => method.beginTask!(model, taskInfo(1)), /cannot begin: task 0 is in progress/);
  assert.throws(() => method.endTask!(model, taskInfo(1), dataOf(1)), /while task 0 is in progress/);
  method.beginTask!(model, taskInfo(0));
  method.beginTask!(model, taskInfo(0)); // again (a resumed loop): allowed
  assert.throws(() => method.beginTask!(model, { index: 0, name: 'a', sequence: ['a', 'b'] }), /has 2 tasks, it had 3/);
  method.endTask!(model, taskInfo(0), dataOf(0));
  assert.throws(() => method.endTask!(model, taskInfo(0), dataOf(0)), /already ended/);
  assert.throws(() => method.beginTask!(model, taskInfo(2)), /cannot begin/);
  method.beginTask!(model, taskInfo(1));
  assert.throws(() => method.viewFor!(model, -1), /no view/);
  assert.throws(() => method.restore!({ task: 'one' }), /malformed/);
  const long = Array.from({ length: 300 }, (_, i) => `t${i}`);
  const other = base();
  const m2 = createMethod({ name: 'packnet' });
  attachMethod(other, m2);
  assert.throws(() => m2.beginTask!(other, taskInfo(0, long)), /300 tasks/);
  model.dispose();
  other.dispose();
});
