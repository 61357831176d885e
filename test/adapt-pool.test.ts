/**
 * The key-matched pool of L2P and L2M beyond the contract test (test/adapt-contract.test.ts): selection
 * against a brute-force cosine top-k, the count penalty against hand-computed weights, identity of a
 * zero pool (pre-training keys included), the oracle's blocks, resume through the method state and
 * adapter checkpoints, the pre-training-keys phase, selection statistics, the paper model's parameter
 * counts and the whole-pool Kaiming bound, and config errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig, type DTInputs } from '../src/model/decision-transformer.ts';
import type { WindowContext } from '../src/model/modulation.ts';
import '../src/adapt/index.ts';
import { createMethod, parseMethodConfig } from '../src/adapt/registry.ts';
import { attachMethod, trainableParameters } from '../src/adapt/inject.ts';
import { loadAdapter, saveAdapter } from '../src/adapt/checkpoint.ts';
import { KeyPool, isPoolMethod, keyPullLoss, penaltyWeights, type PoolMethod, type PoolState } from '../src/adapt/pool.ts';
import { l2mLoraBound } from '../src/adapt/l2m.ts';
import { LoraAttention, LoraResidual } from '../src/adapt/lora.ts';
import { adamwGroups } from '../src/train/optimizer.ts';
import { trainStep } from '../src/train/step.ts';
import { paddedBatch } from './helpers/dt-batch.ts';

const CFG: DTConfig = { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 32, dInner: 128, dropout: 0, maxEpisodeLength: 200, nPositions: 16, actionPositionEmbedding: true };

function base(seed = 5): DecisionTransformer {
  torch.manualSeed(seed);
  const m = new DecisionTransformer(CFG);
  // A large wpe[0]: a query taken after it (instead of before) would select differently.
  torch.noGrad(() => torch.tidy(() => m.wpe.weight.select(0, 0).copy_(torch.randn([CFG.dModel]).mul(3))));
  return m;
}

function attached(spec: Record<string, unknown> & { name: string }, seed = 5): { model: DecisionTransformer; method: PoolMethod; pool: KeyPool } {
  const model = base(seed);
  const method = createMethod(spec);
  assert.ok(isPoolMethod(method));
  attachMethod(model, method);
  return { model, method, pool: model.adapt as unknown as KeyPool };
}

/** A batch of B windows (left padding, padded action dimensions), task ids from `tasks`. */
function batch(B: number, seed: number, tasks?: (b: number) => number): { x: DTInputs; actionMask: torch.Tensor } {
  torch.manualSeed(seed);
  const b = paddedBatch(B, CFG.contextLength, CFG, [4, 6, 1, 2]);
  if (tasks) b.x.taskIds = torch.tensor(Int32Array.from({ length: B }, (_, i) => tasks(i)), { dtype: 'int64' });
  return b;
}

function context(model: DecisionTransformer, x: DTInputs): WindowContext {
  return { tokens: model.embedTokens(x), attentionMask: x.attentionMask, taskIds: x.taskIds, tokensPerStep: model.tokensPerStep };
}

/** Queries by hand: the mean of the state tokens (embed_ln output, no wpe[0]) of real timesteps, as float64 rows. */
function handQueries(model: DecisionTransformer, x: DTInputs): number[][] {
  return torch.tidy(() => {
    const E = model.embedTokens(x).tolist() as number[][][];
    const mask = x.attentionMask.toArray();
    const K = CFG.contextLength;
    return E.map((win, b) => {
      const q = new Array<number>(CFG.dModel).fill(0);
      let n = 0;
      for (let t = 0; t < K; t++) {
        if (!mask[b * K + t]) continue;
        n++;
        win[t * model.tokensPerStep]!.forEach((v, i) => (q[i]! += v));
      }
      return q.map((v) => v / n);
    });
  });
}

function cosine(a: number[], b: number[]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((v, i) => {
    ab += v * b[i]!;
    aa += v * v;
    bb += b[i]! * b[i]!;
  });
  return ab / (Math.sqrt(aa) * Math.sqrt(bb));
}

/** Brute force: for each window the k entries of highest score, best first. */
function bruteTopK(queries: number[][], keys: number[][], k: number, score: (cos: number, entry: number, b: number) => number = (c) => c): number[][] {
  return queries.map((q, b) =>
    keys
      .map((key, i) => ({ i, s: score(cosine(q, key), i, b) }))
      .sort((u, v) => v.s - u.s)
      .slice(0, k)
      .map((e) => e.i),
  );
}

function rowsOf(entries: Int32Array, k: number): number[][] {
  return Array.from({ length: entries.length / k }, (_, b) => Array.from(entries.subarray(b * k, (b + 1) * k)));
}

function keysOf(pool: KeyPool, withPretrain = false): number[][] {
  return torch.tidy(() => (withPretrain && pool.pretrain_keys ? torch.cat([pool.keys, pool.pretrain_keys], 0) : pool.keys).tolist() as number[][]);
}

function dispose(...things: (DecisionTransformer | { x: DTInputs; actionMask: torch.Tensor })[]): void {
  for (const t of things) {
    if (t instanceof DecisionTransformer) t.dispose();
    else {
      torch.dispose(t.x);
      t.actionMask.dispose();
    }
  }
}

test('selection is the brute-force cosine top-k of the masked-mean state-token query (before wpe[0]), best first', () => {
  for (const [spec, k] of [
    [{ name: 'l2m', pool: 30, rank: 2, alpha: 4 }, 1],
    [{ name: 'l2p', form: 'prompt', pool: 20, topK: 5, length: 2 }, 5],
  ] as const) {
    const { model, pool } = attached(spec);
    const b = batch(64, 11);
    try {
      for (const mode of ['train', 'eval'] as const) {
        model.train(mode === 'train');
        const sel = torch.tidy(() => {
          const s = pool.select(context(model, b.x));
          return { entries: s.entries, k: s.k };
        });
        const brute = bruteTopK(handQueries(model, b.x), keysOf(pool), k);
        assert.deepEqual(rowsOf(sel.entries, sel.k), brute, `${spec.name} (${mode}): selection differs from the brute-force top-${k}`);
        assert.ok(new Set(sel.entries).size > 3, `${spec.name}: the test batch should select several entries`);
      }
      // The modulation uses that selection: L2M's rows are the top-1 entries.
      if (spec.name === 'l2m') {
        model.eval();
        torch.tidy(() => {
          const ctx = context(model, b.x);
          const mod = pool.modulate(ctx);
          assert.deepEqual(mod.rows!.toArray(), Array.from(pool.select(ctx).entries));
        });
      }
    } finally {
      dispose(model, b);
    }
  }
});

test('the pull loss is -0.5 * the mean over windows of the summed cosines of the selected keys', () => {
  const { model, pool } = attached({ name: 'l2p', form: 'ptuning-v2', pool: 10, topK: 3, length: 1 });
  const b = batch(8, 12);
  try {
    model.eval();
    const q = handQueries(model, b.x);
    const keys = keysOf(pool);
    const brute = bruteTopK(q, keys, 3);
    const pull = brute.reduce((s, idx, i) => s + idx.reduce((t, j) => t + cosine(q[i]!, keys[j]!), 0), 0) / 8;
    torch.tidy(() => {
      const mod = pool.modulate(context(model, b.x));
      assert.ok(Math.abs(mod.auxLoss!.item() + 0.5 * pull) < 1e-5, `aux ${mod.auxLoss!.item()} vs ${-0.5 * pull}`);
    });
    const other = attached({ name: 'l2p', form: 'ptuning-v2', pool: 10, topK: 3, length: 1, pullCoef: 2 });
    torch.tidy(() => assert.ok(Math.abs(other.pool.modulate(context(other.model, b.x)).auxLoss!.item() + 2 * pull) < 1e-5));
    other.model.dispose();
  } finally {
    dispose(model, b);
  }
});

test('count penalty: running-mean counts, w = normalise(1 / (counts + 1e-6)) at task switches, sim\' = ((sim + 1) / 2) w in training from the second task only', () => {
  const R = 24;
  const { model, method, pool } = attached({ name: 'l2m', pool: R, rank: 2, alpha: 4 });
  const batches = [batch(8, 21), batch(8, 22), batch(16, 23)];
  try {
    model.train();
    assert.deepEqual(method.pool.counts().weights, new Array(R).fill(1), 'w starts at ones (the original inv_counts_so_far)');
    method.beginTask!(model, { index: 0, name: 'a', sequence: ['a', 'b'] });
    assert.deepEqual(method.pool.counts().weights, new Array(R).fill(1 / R), 'the first switch normalises zero counts: uniform');
    // First task: selections are the plain argmax (no penalty, even with counts), and every training batch counts.
    const hand = new Array<number>(R).fill(0);
    let n = 0;
    for (const b of batches.slice(0, 2)) {
      const entries = torch.tidy(() => {
        const ctx = context(model, b.x);
        const sel = pool.select(ctx);
        pool.modulate(ctx);
        return sel.entries;
      });
      assert.deepEqual(rowsOf(entries, 1), bruteTopK(handQueries(model, b.x), keysOf(pool), 1), 'first task: no penalty');
      n++;
      const f = new Array<number>(R).fill(0);
      for (const e of entries) f[e]! += 1 / entries.length;
      for (let i = 0; i < R; i++) hand[i]! += (f[i]! - hand[i]!) / n;
    }
    // Evaluation never counts.
    model.eval();
    torch.tidy(() => pool.modulate(context(model, batches[2]!.x)));
    model.train();
    const c = method.pool.counts();
    assert.equal(c.total, 2);
    c.counts.forEach((v, i) => assert.ok(Math.abs(v - hand[i]!) < 1e-12, `counts[${i}] ${v} vs ${hand[i]}`));
    assert.ok(hand.some((v) => v === 0), 'some entries were never selected (the penalty then favours them)');

    method.beginTask!(model, { index: 1, name: 'b', sequence: ['a', 'b'] });
    const u = hand.map((v) => 1 / (v + 1e-6));
    const sum = u.reduce((a, b) => a + b, 0);
    const w = u.map((v) => v / sum);
    method.pool.counts().weights.forEach((v, i) => assert.ok(Math.abs(v - w[i]!) <= 1e-12 * w[i]!, `w[${i}] ${v} vs ${w[i]}`));
    assert.deepEqual(Array.from(penaltyWeights(hand)), method.pool.counts().weights);

    // Second task, training: the penalised brute force; entries unused so far win.
    const b = batches[2]!;
    const q = handQueries(model, b.x);
    const keys = keysOf(pool);
    const sel = torch.tidy(() => pool.select(context(model, b.x)).entries);
    const penalised = bruteTopK(q, keys, 1, (cos, i) => ((cos + 1) / 2) * w[i]!);
    assert.deepEqual(rowsOf(sel, 1), penalised);
    assert.ok(Array.from(sel).every((e) => hand[e] === 0), 'the penalty steers every window to entries unused on the first task');
    assert.notDeepEqual(penalised, bruteTopK(q, keys, 1), 'the penalty changes the selection');
    // ... while evaluation matches without it.
    model.eval();
    assert.deepEqual(rowsOf(torch.tidy(() => pool.select(context(model, b.x)).entries), 1), bruteTopK(q, keys, 1));
    // w stays until the next task switch, though counts move on.
    model.train();
    torch.tidy(() => pool.modulate(context(model, b.x)));
    assert.deepEqual(method.pool.counts().weights, w.map((_, i) => method.pool.counts().weights[i]));
    method.pool.counts().weights.forEach((v, i) => assert.ok(Math.abs(v - w[i]!) <= 1e-12 * w[i]!));
    assert.equal(method.pool.counts().total, 3);
  } finally {
    dispose(model, ...batches);
  }
  // countPenalty: false keeps the plain argmax on later tasks.
  const off = attached({ name: 'l2m', pool: 8, rank: 2, alpha: 4, countPenalty: false });
  const b = batch(16, 24);
  try {
    off.model.train();
    torch.tidy(() => off.pool.modulate(context(off.model, b.x)));
    off.method.beginTask!(off.model, { index: 3, name: 'd', sequence: ['a', 'b', 'c', 'd'] });
    assert.deepEqual(rowsOf(torch.tidy(() => off.pool.select(context(off.model, b.x)).entries), 1), bruteTopK(handQueries(off.model, b.x), keysOf(off.pool), 1));
  } finally {
    dispose(off.model, b);
  }
});

test('a pool at its initialisation is the base model exactly (LoRA B = 0, (IA)3 = 1), in training and evaluation', () => {
  const plain = base();
  const b = batch(12, 31);
  try {
    for (const spec of [
      { name: 'l2m' },
      { name: 'l2m', pool: 5, rank: 3, alpha: 3, pretrainKeys: 3 },
      { name: 'l2m-ia3', pool: 7 },
    ]) {
      const { model } = attached(spec);
      for (const mode of [true, false]) {
        model.train(mode);
        plain.train(mode);
        torch.tidy(() => assert.ok(model.forward(b.x).equal(plain.forward(b.x)), `${JSON.stringify(spec)} (${mode ? 'train' : 'eval'}): logits differ from the base`));
      }
      model.dispose();
    }
  } finally {
    dispose(plain, b);
  }
});

test('pre-training keys: a window matching one is not modulated (the identity row), which training never touches', () => {
  const plain = base();
  plain.eval();
  const { model, method, pool } = attached({ name: 'l2m', pool: 3, rank: 2, alpha: 4, pretrainKeys: 2 });
  const b = batch(6, 41, (i) => i % 2);
  try {
    const R = 3;
    const loras = [...model.namedModules()].map(([, m]) => m).filter((m): m is LoraAttention | LoraResidual => m instanceof LoraAttention || m instanceof LoraResidual);
    const factors = loras.flatMap((l) => (l instanceof LoraAttention ? [l.lora_A_q!, l.lora_B_q!, l.lora_A_v!, l.lora_B_v!] : [l.lora_A, l.lora_B]));
    assert.ok(factors.every((f) => f.size(0) === R + 1), 'the pool holds one extra (identity) row');
    // Modulate every real row; window 0's query is pre-training key 0, window 1's is pool key 0.
    torch.noGrad(() => {
      for (const f of factors) torch.tidy(() => f.narrow(0, 0, R).add_(torch.randn(f.narrow(0, 0, R).shape).mul(0.1)));
      const q = torch.tidy(() => KeyPool.query(context(model, b.x)));
      pool.pretrain_keys!.select(0, 0).copy_(q.select(0, 0));
      pool.keys.select(0, 0).copy_(q.select(0, 1));
      q.dispose();
    });
    model.eval();
    const sel = torch.tidy(() => pool.select(context(model, b.x)));
    assert.equal(sel.keySet, 'pool+pretrain');
    assert.equal(sel.entries[0], R, 'window 0 matches pre-training key 0 (entry R)');
    assert.equal(sel.entries[1], 0);
    torch.tidy(() => {
      const got = model.forward(b.x);
      const want = plain.forward(b.x);
      assert.ok(got.narrow(0, 0, 1).equal(want.narrow(0, 0, 1)), 'a window matching a pre-training key gets the base logits');
      assert.ok(!got.narrow(0, 1, 1).allclose(want.narrow(0, 1, 1)), 'a window matching a pool key is modulated');
      for (let i = 0; i < 6; i++) if (sel.entries[i]! >= R) assert.ok(got.narrow(0, i, 1).equal(want.narrow(0, i, 1)));
    });
    const withKeys = torch.tidy(() => model.forward(b.x).narrow(0, 0, 1).clone());
    // Without pre-training keys at evaluation, window 0 picks a pool entry.
    method.pool.evalPretrainKeys = false;
    const noKeys = torch.tidy(() => pool.select(context(model, b.x)));
    assert.equal(noKeys.keySet, 'pool');
    assert.ok(noKeys.entries[0]! < R);
    torch.tidy(() => assert.ok(!model.forward(b.x).narrow(0, 0, 1).allclose(withKeys)));
    method.pool.evalPretrainKeys = true;
    withKeys.dispose();
    // Training matches pool keys only; the identity row and the pre-training keys stay exactly as they are.
    const identity = factors.map((f) => torch.keep(f.narrow(0, R, 1).clone()));
    const pre = torch.keep(pool.pretrain_keys!.clone());
    assert.equal(pool.pretrain_keys!.requiresGrad, false, 'pre-training keys are frozen in the adapt phase');
    model.train();
    const opt = new torch.optim.AdamW(adamwGroups(model, 0.01), { lr: 1e-2 });
    for (let u = 0; u < 3; u++) trainStep(model, opt, () => batch(6, 50 + u, (i) => i % 2), { accumulation: 1, gradClip: 1, method });
    opt.dispose();
    factors.forEach((f, i) => assert.ok(f.narrow(0, R, 1).equal(identity[i]!), 'the identity row changed in training'));
    assert.ok(pool.pretrain_keys!.equal(pre));
    assert.ok(factors.some((f) => !f.narrow(0, 0, R).equal(torch.tidy(() => f.narrow(0, 0, R).clone().zero_()))));
    torch.dispose([...identity, pre]);
  } finally {
    dispose(plain, model, b);
  }
});

test('the pretrain-keys phase: only the pre-training keys train, nothing is modulated, the penalty refreshes every batch', () => {
  const plain = base();
  const { model, method, pool } = attached({ name: 'l2m-ia3', pool: 4, pretrainKeys: 3 });
  try {
    torch.noGrad(() => {
      // Every real row (not the identity row 4).
      for (const [n, p] of model.namedParameters()) if (n.includes('ia3_')) torch.tidy(() => p.narrow(0, 0, 4).add_(torch.randn(p.narrow(0, 0, 4).shape).mul(0.2)));
    });
    assert.throws(() => method.pool.setPhase('warmup' as never), /unknown phase 'warmup'/);
    method.pool.setPhase('pretrain-keys');
    const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    assert.deepEqual(trainable, ['adapt.pretrain_keys']);
    assert.equal(trainableParameters(model).trainable, 3 * CFG.dModel);
    const b = batch(10, 61);
    model.train();
    plain.train();
    torch.tidy(() => assert.ok(model.forward(b.x).equal(plain.forward(b.x)), 'no window is modulated in the pretrain-keys phase'));
    const sel = torch.tidy(() => pool.select(context(model, b.x)));
    assert.equal(sel.keySet, 'pretrain');
    // One training batch was counted (the forward above): the pre-training penalty is on, with w of those counts.
    const w = (method.state!() as PoolState).pretrainCounts!.weights;
    const preKeys = torch.tidy(() => pool.pretrain_keys!.tolist()) as number[][];
    assert.deepEqual(rowsOf(sel.entries, 1), bruteTopK(handQueries(model, b.x), preKeys, 1, (c, i) => ((c + 1) / 2) * w[i]!));
    // keyPullLoss gives the full loss's key gradient (the CE term trains nothing here).
    // (Each counted pass moves the pre-training penalty weights: both passes start from the same state.)
    const saved = method.state!();
    model.zeroGrad();
    model.loss(b.x, b.actionMask).backward();
    const full = torch.keep(pool.pretrain_keys!.grad!);
    model.zeroGrad();
    method.restore!(saved);
    keyPullLoss(model, b.x).backward();
    assert.ok(pool.pretrain_keys!.grad!.allclose(full, 1e-6, 1e-7), 'keyPullLoss and model.loss give other key gradients');
    assert.ok(full.abs().sum().item() > 0);
    model.zeroGrad();
    full.dispose();
    // Two forward passes counted; the pre-training penalty weights follow the counts after every batch.
    const st = method.state!() as PoolState;
    assert.equal(st.pretrainCounts!.total, 2, 'select does not count; training forward passes do (the forward above, then loss or keyPullLoss from the restored state)');
    assert.deepEqual(st.pretrainCounts!.weights, Array.from(penaltyWeights(st.pretrainCounts!.counts)));
    assert.equal(st.counts.total, 0, 'the pool counts are untouched');
    assert.deepEqual(method.pool.selections().train.tasks, [], 'the pretrain phase records no selection statistics');
    // Training moves the pre-training keys only.
    const before = Object.fromEntries(Object.entries(model.stateDict()).map(([n, t]) => [n, torch.keep(t.clone())]));
    const opt = new torch.optim.AdamW(adamwGroups(model, 0.01), { lr: 1e-2 });
    for (let u = 0; u < 2; u++) trainStep(model, opt, () => batch(10, 62 + u), { accumulation: 1, gradClip: 1, method });
    opt.dispose();
    for (const [n, t] of Object.entries(model.stateDict())) assert.equal(t.equal(before[n]!), n !== 'adapt.pretrain_keys', `${n}`);
    torch.dispose(before);
    method.pool.setPhase('adapt');
    assert.deepEqual(
      [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n).includes('adapt.pretrain_keys'),
      false,
    );
    assert.ok(pool.keys.requiresGrad);
    dispose(b);
  } finally {
    dispose(plain, model);
  }
});

test('the oracle selects only within the window\'s task block, in training (penalty on) and evaluation; windows need task ids', () => {
  for (const spec of [
    { name: 'l2m', pool: 12, rank: 2, alpha: 4, oracle: { tasks: 4 } },
    { name: 'l2p', form: 'prefix', pool: 12, topK: 2, length: 1, oracle: { tasks: 4 } },
  ]) {
    const { model, method, pool } = attached(spec);
    const tasks = (i: number) => (i * 7) % 4;
    try {
      model.train();
      method.beginTask!(model, { index: 0, name: 't0', sequence: ['t0', 't1', 't2', 't3'] });
      for (let s = 0; s < 3; s++) {
        const b = batch(40, 70 + s, tasks);
        torch.tidy(() => model.loss(b.x, b.actionMask));
        if (s === 1) method.beginTask!(model, { index: 2, name: 't2', sequence: ['t0', 't1', 't2', 't3'] });
        for (const mode of [true, false]) {
          model.train(mode);
          const sel = torch.tidy(() => pool.select(context(model, b.x)));
          rowsOf(sel.entries, sel.k).forEach((idx, i) => {
            for (const e of idx) assert.ok(e >= tasks(i) * 3 && e < tasks(i) * 3 + 3, `${spec.name}: window of task ${tasks(i)} selected entry ${e}`);
          });
        }
        model.train();
        dispose(b);
      }
      const { x } = batch(4, 79);
      model.eval();
      assert.throws(() => torch.tidy(() => model.forward(x)), /oracle: the windows carry no task ids/);
      x.taskIds = torch.tensor([0, 1, 2, 4], { dtype: 'int64' });
      assert.throws(() => torch.tidy(() => model.forward(x)), /task id 4 is outside the oracle's 4 tasks \(0\.\.3\)/);
      torch.dispose(x);
    } finally {
      model.dispose();
    }
  }
});

test('counts, weights, task and statistics round-trip through state() and adapter checkpoints: a resumed run selects as an uninterrupted one', () => {
  const spec = { name: 'l2p', form: 'prompt', pool: 10, topK: 2, length: 1, dropout: 0 };
  const seq = ['a', 'b', 'c'];
  const stream = (i: number) => batch(12, 100 + i, (b) => (b + i) % 3);
  /** Training-mode forward passes i in [from, to), with task switches every 3 passes; the selections made. */
  function run(model: DecisionTransformer, method: PoolMethod, from: number, to: number): number[][] {
    const out: number[][] = [];
    model.train();
    for (let i = from; i < to; i++) {
      if (i % 3 === 0) method.beginTask!(model, { index: i / 3, name: seq[i / 3]!, sequence: seq });
      const b = stream(i);
      torch.tidy(() => {
        const ctx = context(model, b.x);
        out.push(Array.from((model.adapt as unknown as KeyPool).select(ctx).entries));
        model.loss(b.x, b.actionMask);
      });
      dispose(b);
    }
    return out;
  }
  const a = attached(spec);
  const whole = run(a.model, a.method, 0, 9);
  const b = attached(spec);
  const first = run(b.model, b.method, 0, 4);
  assert.deepEqual(first, whole.slice(0, 4));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-pool-'));
  try {
    saveAdapter(dir, b.model, b.method);
    const resumed = base();
    const method = loadAdapter(dir, resumed);
    assert.ok(isPoolMethod(method));
    assert.deepEqual(method.state!(), JSON.parse(JSON.stringify(b.method.state!())), 'the state survives the checkpoint');
    const rest = run(resumed, method, 4, 9);
    assert.deepEqual(rest, whole.slice(4), 'the resumed run selects differently');
    assert.deepEqual(method.state!(), a.method.state!(), 'the resumed run ends in the same state');
    // Without the state (a fresh pool book, same parameters), the later tasks select otherwise.
    const fresh = base();
    const blank = createMethod(spec) as PoolMethod;
    attachMethod(fresh, blank);
    fresh.loadStateDict(b.model.stateDict());
    blank.beginTask!(fresh, { index: 1, name: 'b', sequence: seq });
    assert.notDeepEqual(run(fresh, blank, 4, 9), whole.slice(4), 'the state should matter here');
    for (const m of [resumed, fresh]) m.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    a.model.dispose();
    b.model.dispose();
  }
  // restore refuses another pool's state.
  const other = createMethod({ name: 'l2p', form: 'prompt', pool: 12, topK: 2 }) as PoolMethod;
  assert.throws(() => other.restore!((createMethod(spec) as PoolMethod).state!()), /saved counts are for 10 entries, this pool has 12/);
  assert.throws(() => other.restore!({ version: 7 }), /cannot restore this state/);
});

test('selection statistics: a task x entry matrix for training and one for evaluation', () => {
  const { model, method } = attached({ name: 'l2m', pool: 6, rank: 2, alpha: 4 });
  try {
    const tasks = (i: number) => [2, 0, 5][i % 3]!;
    model.train();
    method.beginTask!(model, { index: 1, name: 'b', sequence: ['a', 'b'] });
    for (let s = 0; s < 2; s++) {
      const b = batch(9, 80 + s, tasks);
      torch.tidy(() => model.loss(b.x, b.actionMask));
      dispose(b);
    }
    // Training windows without task ids count under the current task.
    const plainBatch = batch(4, 83);
    torch.tidy(() => model.loss(plainBatch.x, plainBatch.actionMask));
    model.eval();
    torch.tidy(() => model.forward(plainBatch.x));
    const b = batch(6, 84, tasks);
    torch.tidy(() => model.forward(b.x));
    const { train, eval: ev } = method.pool.selections();
    assert.equal(train.entries, 6);
    assert.deepEqual(train.tasks, [0, 1, 2, 5]);
    assert.deepEqual(train.counts.map((r) => r.reduce((x, y) => x + y, 0)), [6, 4, 6, 6]);
    assert.deepEqual(ev.tasks, [-1, 0, 2, 5]);
    assert.deepEqual(ev.counts.map((r) => r.reduce((x, y) => x + y, 0)), [4, 2, 2, 2]);
    method.pool.resetSelections('eval');
    assert.deepEqual(method.pool.selections().eval.tasks, []);
    assert.equal(method.pool.selections().train.tasks.length, 4);
    method.pool.recording = false;
    torch.tidy(() => model.forward(b.x));
    assert.deepEqual(method.pool.selections().eval.tasks, []);
    method.pool.resetSelections();
    assert.deepEqual(method.pool.selections().train.tasks, []);
    dispose(plainBatch, b);
  } finally {
    model.dispose();
  }
});

test('paper model: L2M pool 13,271,040 + 23,040 keys with the whole-pool Kaiming bound 1/sqrt(6·6·768·8); L2M-(IA)3 and L2P counts', () => {
  const cases: [Record<string, unknown> & { name: string }, number][] = [
    [{ name: 'l2m' }, 13_271_040 + 23_040],
    [{ name: 'l2m', pretrainKeys: 10 }, 13_271_040 + 442_368 + 23_040], // + the identity row; pre-training keys frozen
    [{ name: 'l2m-ia3' }, 30 * 6 * (768 + 768 + 3072) + 23_040],
    [{ name: 'l2p', form: 'prompt' }, 100 * 5 * 768 + 76_800],
    [{ name: 'l2p', form: 'prefix' }, 100 * 5 * 6 * 2 * 768 + 76_800],
    [{ name: 'l2p', form: 'ptuning-v2' }, 100 * 5 * 6 * 768 + 76_800],
  ];
  for (const [spec, want] of cases) {
    const model = new DecisionTransformer(PAPER_CONFIG);
    try {
      attachMethod(model, createMethod(spec));
      assert.equal(trainableParameters(model).trainable, want, JSON.stringify(spec));
      if (spec.name === 'l2m' && !spec.pretrainKeys) {
        const bound = l2mLoraBound(model, { rank: 8, q: true, k: false, v: true, ffn: true }, 6);
        assert.equal(bound, 1 / Math.sqrt(6 * 6 * 768 * 8));
        assert.ok(Math.abs(bound - 0.0021262) < 1e-6);
        let max = 0;
        for (const [n, p] of model.namedParameters()) {
          if (!n.includes('lora_A')) continue;
          assert.equal(p.size(0), 30, n);
          max = Math.max(max, torch.tidy(() => p.abs().max().item()));
        }
        assert.ok(max <= bound * (1 + 1e-6) && max > 0.999 * bound, `max |A| ${max} vs bound ${bound}`);
        for (const [n, p] of model.namedParameters()) if (n.includes('lora_B')) assert.equal(torch.tidy(() => p.abs().max().item()), 0, n);
        torch.tidy(() => {
          const k = (model.adapt as unknown as KeyPool).keys;
          assert.deepEqual(k.shape, [30, 768]);
          assert.ok(k.abs().max().item() <= 1 && k.abs().max().item() > 0.99, 'keys U(-1, 1)');
        });
      }
    } finally {
      model.dispose();
    }
  }
});

test('keyInit query: a fresh entry training picks jumps to its windows\' mean query direction (at its old norm), then the batch is selected again', () => {
  const { model, method, pool } = attached({ name: 'l2m', pool: 6, keyInit: 'query' });
  const plain = attached({ name: 'l2m', pool: 6 });
  try {
    const b = batch(12, 71);
    const before = keysOf(pool);
    // Evaluation never initialises.
    model.eval();
    torch.tidy(() => model.forward(b.x));
    assert.deepEqual(keysOf(pool), before, 'an evaluation pass changed the keys');
    // Training: every entry is fresh (no batch counted yet). The first selection by brute force:
    model.train();
    const queries = handQueries(model, b.x);
    const first = bruteTopK(queries, before, 1).map((r) => r[0]!);
    const votes = new Map<number, number>();
    for (const e of first) votes.set(e, (votes.get(e) ?? 0) + 1);
    const entry = [...votes].sort((u, v) => v[1] - u[1] || u[0] - v[0])[0]![0];
    // Every window picked a fresh entry, so the direction is the mean of all their unit queries.
    const unit = (v: number[]): number[] => {
      const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
      return v.map((x) => x / n);
    };
    const dir = unit(queries.map(unit).reduce((acc, q) => acc.map((a, i) => a + q[i]!), new Array<number>(CFG.dModel).fill(0)));
    const norm = Math.sqrt(before[entry]!.reduce((a, x) => a + x * x, 0));
    torch.tidy(() => model.forward(b.x));
    const after = keysOf(pool);
    after.forEach((k, i) => {
      if (i !== entry) assert.deepEqual(k, before[i], `key ${i} moved`);
      else k.forEach((v, j) => assert.ok(Math.abs(v - dir[j]! * norm) < 1e-5, `key ${entry}[${j}]: ${v} vs ${dir[j]! * norm}`));
    });
    // The counted selection is the one made with the new key (brute force again), not the first.
    const again = bruteTopK(queries, after, 1).map((r) => r[0]!);
    const counts = method.pool.counts().counts;
    counts.forEach((c, i) => assert.ok(Math.abs(c - again.filter((e) => e === i).length / 12) < 1e-12, `count of entry ${i}`));
    assert.ok(again.filter((e) => e === entry).length > first.filter((e) => e === entry).length, 'the moved key should win more windows');
    // A plain pool (keyInit absent) moves no key in a forward pass.
    const p0 = keysOf(plain.pool);
    plain.model.train();
    torch.tidy(() => plain.model.forward(b.x));
    assert.deepEqual(keysOf(plain.pool), p0);
    dispose(b);
  } finally {
    dispose(model, plain.model);
  }
  // In the pretrain-keys phase it is a pre-training key that moves (fresh in that phase's own counts).
  const pre = attached({ name: 'l2m', pool: 4, pretrainKeys: 3, keyInit: 'query' });
  try {
    const b = batch(8, 72);
    pre.method.pool.setPhase('pretrain-keys');
    pre.model.train();
    const poolKeys = keysOf(pre.pool);
    const preKeys = torch.tidy(() => pre.pool.pretrain_keys!.tolist()) as number[][];
    torch.tidy(() => pre.model.forward(b.x));
    assert.deepEqual(keysOf(pre.pool), poolKeys, 'the pool keys moved in the pretrain-keys phase');
    const moved = (torch.tidy(() => pre.pool.pretrain_keys!.tolist()) as number[][]).filter((k, i) => k.some((v, j) => v !== preKeys[i]![j])).length;
    assert.equal(moved, 1, 'exactly one pre-training key should move on the first batch');
    dispose(b);
  } finally {
    dispose(pre.model);
  }
});

test('defaults are the original l2p.yaml / l2m_lora.yaml ones; bad configs are refused with clear errors', () => {
  assert.deepEqual(parseMethodConfig({ name: 'l2m' }).config, { pool: 30, rank: 8, alpha: 16, q: true, k: false, v: true, ffn: true, layers: 'all', countPenalty: true, pullCoef: 0.5, recordSelections: true });
  assert.deepEqual(parseMethodConfig({ name: 'l2m-ia3' }).config, { pool: 30, k: true, v: true, ffn: true, layers: 'all', countPenalty: true, pullCoef: 0.5, recordSelections: true });
  assert.deepEqual(parseMethodConfig({ name: 'l2p', form: 'ptuning-v2' }).config, { form: 'ptuning-v2', pool: 100, topK: 5, length: 5, init: 'uniform', dropout: 0.1, countPenalty: true, pullCoef: 0.5, recordSelections: true });
  for (const [spec, re] of [
    [{ name: 'l2p' }, /- form: /],
    [{ name: 'l2p', form: 'soft' }, /- form: /],
    [{ name: 'l2p', form: 'prompt', topK: 6, pool: 5 }, /- topK: topK 6 is larger than the pool \(5\)/],
    [{ name: 'l2p', form: 'prompt', layers: [0] }, /- layers: the prompt form has no layers/],
    [{ name: 'l2p', form: 'prompt', pretrainKeys: 3 }, /- pretrainKeys: pre-training keys need a pool whose entries can be switched off per window/],
    [{ name: 'l2p', form: 'prefix', pool: 12, topK: 4, oracle: { tasks: 4 } }, /- topK: topK 4 is larger than a task's block \(3 entries\)/],
    [{ name: 'l2m', oracle: { tasks: 7 } }, /- oracle\.tasks: the pool \(30\) must split into 7 equal blocks/],
    [{ name: 'l2m', pool: 3, oracle: { tasks: 4 } }, /- oracle\.tasks: 4 tasks cannot each get a block of a pool of 3/],
    [{ name: 'l2m', oracle: { tasks: 10 }, pretrainKeys: 2 }, /- pretrainKeys: pre-training keys cannot be combined with the oracle/],
    [{ name: 'l2m', oracle: { task: 10 } }, /oracle/],
    [{ name: 'l2m', topK: 2 }, /topK/],
    [{ name: 'l2m', pool: 0 }, /- pool: /],
    [{ name: 'l2m', q: false, v: false, ffn: false }, /nothing to modulate/],
    [{ name: 'l2m-ia3', k: false, v: false, ffn: false }, /nothing to modulate/],
    [{ name: 'l2m', pullCoef: -1 }, /- pullCoef: /],
    [{ name: 'l2m', pretrainKeys: 0 }, /- pretrainKeys: /],
    [{ name: 'l2m', keyInit: 'kmeans' }, /- keyInit: /],
    [{ name: 'l2p', form: 'prompt', keyInit: 'query' }, /- keyInit: keyInit 'query' needs top-1 matching \(topK is 5/],
  ] as const) {
    assert.throws(() => parseMethodConfig(spec), (e: Error) => re.test(e.message), `${JSON.stringify(spec)} should fail with ${re}`);
  }
  const m = createMethod({ name: 'l2m', pool: 4 }) as PoolMethod;
  assert.throws(() => m.pool.setPhase('pretrain-keys'), /this method has no pre-training keys/);
  assert.throws(() => m.beginTask!(undefined as never, { index: -1, name: 'x', sequence: [] }), /task index must be a non-negative integer/);
  const model = base();
  try {
    assert.throws(() => attachMethod(model, createMethod({ name: 'l2m', layers: [5] })), /layer 5 does not exist/);
  } finally {
    model.dispose();
  }
  const plain = base();
  try {
    assert.throws(() => keyPullLoss(plain, batch(2, 1).x), /no pool method attached/);
  } finally {
    plain.dispose();
  }
});
