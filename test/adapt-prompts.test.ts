/**
 * Prompt tuning, prefix tuning and P-tuning v2 beyond the contract test (test/adapt-contract.test.ts):
 * config errors, trainable parameter counts of the paper's model worked out by hand, where the action
 * head reads with a soft prompt in front, prompt dropout, and the pool-row gathering L2P will use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import '../src/adapt/index.ts';
import { createMethod, parseMethodConfig } from '../src/adapt/registry.ts';
import { attachMethod, trainableParameters } from '../src/adapt/inject.ts';
import { PromptTuning, promptSchema } from '../src/adapt/prompt.ts';
import { PrefixTuning, prefixSchema } from '../src/adapt/prefix.ts';
import { DeepPrompts, ptuningV2Schema } from '../src/adapt/ptuning-v2.ts';
import { gatherPrompts } from '../src/adapt/soft-prompt.ts';
import { paddedBatch } from './helpers/dt-batch.ts';

const CFG: DTConfig = { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 32, dInner: 128, dropout: 0, maxEpisodeLength: 200, nPositions: 16, actionPositionEmbedding: true };
const NAMES = ['prompt', 'prefix', 'ptuning-v2'] as const;

function small(seed = 5): DecisionTransformer {
  torch.manualSeed(seed);
  return new DecisionTransformer(CFG);
}

test('bad prompt-method configs are refused, naming the field', () => {
  for (const name of NAMES) {
    assert.throws(() => parseMethodConfig({ name, lenght: 5 }), (e: Error) => e.message.includes(`(${name})`) && e.message.includes('lenght'), `${name}: unknown field`);
    assert.throws(() => parseMethodConfig({ name, length: 0 }), (e: Error) => /- length: /.test(e.message), `${name}: length 0`);
    assert.throws(() => parseMethodConfig({ name, length: 2.5 }), /- length: /);
    assert.throws(() => parseMethodConfig({ name, init: 'zeros' }), /- init: /);
    assert.throws(() => parseMethodConfig({ name, dropout: 1 }), /- dropout: /);
  }
  assert.throws(() => parseMethodConfig({ name: 'prompt', layers: [0] }), /layers/, 'prompt tuning has no layers');
  assert.throws(() => parseMethodConfig({ name: 'prefix', reduction: 0 }), /- reduction: /);
  assert.throws(() => parseMethodConfig({ name: 'prefix', embedding: 'wide' }), /- embedding: /);
  assert.throws(() => parseMethodConfig({ name: 'ptuning-v2', layers: [] }), /- layers: /);
  // Layer indices are checked against the model when the method is attached.
  for (const [spec, re] of [
    [{ name: 'ptuning-v2', layers: [2] }, /layer 2 does not exist \(the model has 2 blocks\)/],
    [{ name: 'prefix', layers: [0, -2] }, /prefix: layers: block 0 is named twice/],
    [{ name: 'prefix', embedding: 'model', reduction: 64 }, /prefix: reduction 64 leaves no hidden unit/],
  ] as const) {
    const m = small();
    try {
      assert.throws(() => attachMethod(m, createMethod(spec)), re);
    } finally {
      m.dispose();
    }
  }
});

test('defaults are the original dummy.yaml ones: length 25, U(-1, 1), prompt dropout 0.1; prefix with the MLP', () => {
  const { config } = parseMethodConfig({ name: 'prefix' });
  assert.deepEqual(config, { length: 25, init: 'uniform', dropout: 0.1, layers: 'all', reparametrize: true, reduction: 2, embedding: 'kv' });
  assert.deepEqual(parseMethodConfig({ name: 'prompt' }).config, { length: 25, init: 'uniform', dropout: 0.1 });
  assert.deepEqual(parseMethodConfig({ name: 'ptuning-v2' }).config, { length: 25, init: 'uniform', dropout: 0.1, layers: 'all' });
  torch.manualSeed(1);
  const p = new PromptTuning(PAPER_CONFIG, promptSchema.parse({}));
  try {
    const [lo, hi] = [p.prompt.min().item(), p.prompt.max().item()];
    assert.ok(lo >= -1 && lo < -0.99 && hi <= 1 && hi > 0.99, `U(-1, 1): [${lo}, ${hi}]`);
  } finally {
    p.dispose();
  }
});

test("trainable parameters of the paper's model, counted by hand", () => {
  const d = 768;
  const L = 6;
  const P = 25;
  const all = [0, 1, 2, 3, 4, 5];
  const kvWidth = 2 * L * d; // 9216: keys and values of every layer
  const counts: [string, () => torch.nn.Module, number][] = [
    ['prompt tuning', () => new PromptTuning(PAPER_CONFIG, promptSchema.parse({})), P * d], // 19,200
    ['P-tuning v2', () => new DeepPrompts(PAPER_CONFIG, ptuningV2Schema.parse({}), all), P * L * d], // 115,200
    ['prefix, direct k/v', () => new PrefixTuning(PAPER_CONFIG, prefixSchema.parse({ reparametrize: false }), all), P * kvWidth], // 230,400
    // embedding [25, 9216] -> Linear(9216, 4608) -> Tanh -> Linear(4608, 9216)
    ['prefix, MLP (original)', () => new PrefixTuning(PAPER_CONFIG, prefixSchema.parse({}), all), P * kvWidth + (kvWidth * 4608 + 4608) + (4608 * kvWidth + kvWidth)],
    // embedding [25, 768] -> Linear(768, 384) -> Tanh -> Linear(384, 9216)
    ['prefix, MLP from d', () => new PrefixTuning(PAPER_CONFIG, prefixSchema.parse({ embedding: 'model' }), all), P * d + (d * 384 + 384) + (384 * kvWidth + kvWidth)],
    ['prefix, first layer only, direct', () => new PrefixTuning(PAPER_CONFIG, prefixSchema.parse({ reparametrize: false, layers: [0] }), [0]), P * 2 * d],
  ];
  const expected = [19_200, 115_200, 230_400, 85_178_880, 3_862_656, 38_400];
  counts.forEach(([what, make, n], i) => {
    assert.equal(n, expected[i], `${what}: the hand count`);
    const m = make();
    try {
      assert.equal(m.numParameters(), n, what);
      assert.equal(m.numParameters(true), n, `${what}: all trainable`);
    } finally {
      m.dispose();
    }
  });

  // Attached to the paper's model, only the prompt trains.
  torch.manualSeed(0);
  const model = new DecisionTransformer(PAPER_CONFIG);
  try {
    const baseCount = model.numParameters();
    attachMethod(model, createMethod({ name: 'prompt' }));
    const t = trainableParameters(model);
    assert.equal(t.trainable, 19_200);
    assert.equal(t.total, baseCount + 19_200);
    assert.deepEqual(
      Array.from(model.namedParameters()).filter(([, p]) => p.requiresGrad).map(([n, p]) => [n, p.shape]),
      [['adapt.prompt', [1, 25, 768]]],
    );
  } finally {
    model.dispose();
  }
});

test('with a soft prompt in front, the action head still reads the window: same logits shape, causal in the window, dependent on the prompt', () => {
  const plain = small();
  const model = small();
  attachMethod(model, createMethod({ name: 'prompt', length: 3, dropout: 0 }));
  model.eval();
  plain.eval();
  const { x, actionMask } = paddedBatch(4, CFG.contextLength, CFG, [6]);
  const K = CFG.contextLength;
  try {
    torch.tidy(() => {
      const logits = model.forward(x);
      assert.deepEqual(logits.shape, [4, K, CFG.maxActDim, CFG.actionBins]);
      assert.deepEqual(logits.shape, plain.forward(x).shape);
      assert.ok(!logits.allclose(plain.forward(x), 1e-4, 1e-5), 'the prompt changes the logits');

      // Change a^1 of the last timestep: with the head on the window's own positions only the
      // predictions of a^2.. at that timestep can move (a head left on the first K * T positions of
      // prompt + window would read tokens before a^1 and see no change at all).
      const tokens = x.actionTokens.clone();
      const last = tokens.select(1, K - 1).select(1, 0);
      last.copy_(last.add(1).remainder(CFG.actionBins));
      const moved = model.forward({ ...x, actionTokens: tokens });
      assert.ok(moved.narrow(1, 0, K - 1).equal(logits.narrow(1, 0, K - 1)), 'earlier timesteps are untouched');
      assert.ok(moved.select(1, K - 1).select(1, 0).equal(logits.select(1, K - 1).select(1, 0)), 'a^1 is predicted before it is seen');
      assert.ok(!moved.select(1, K - 1).select(1, 1).allclose(logits.select(1, K - 1).select(1, 1), 1e-5, 1e-6), 'a^2 is predicted from a^1');

      // Another prompt, other logits (and another loss).
      const loss = model.loss(x, actionMask).item();
      torch.noGrad(() => (model.adapt as PromptTuning).prompt.mul_(-1));
      assert.ok(!model.forward(x).allclose(logits, 1e-4, 1e-5), 'the logits depend on the prompt');
      assert.notEqual(model.loss(x, actionMask).item(), loss);
    });
  } finally {
    torch.dispose(x);
    actionMask.dispose();
    model.dispose();
    plain.dispose();
  }
});

test('prefixes and deep prompts: per-layer shapes, none at unchosen layers, and they change the logits', () => {
  const B = 3;
  const cases = [
    { name: 'prefix', length: 4, layers: [-1] },
    { name: 'prefix', length: 4, reparametrize: false },
    { name: 'ptuning-v2', length: 4, layers: [1] },
  ];
  for (const spec of cases) {
    const plain = small();
    const model = small();
    attachMethod(model, createMethod(spec));
    model.eval();
    plain.eval();
    const { x } = paddedBatch(B, CFG.contextLength, CFG, [4]);
    try {
      torch.tidy(() => {
        const mod = model.modulate(x, model.embedTokens(x))!;
        const chosen = spec.layers ? [1] : [0, 1];
        for (let l = 0; l < CFG.nLayer; l++) {
          const at = spec.name === 'prefix' ? mod.prefix![l] : mod.layerPrompts![l];
          if (!chosen.includes(l)) {
            assert.equal(at, null, `${JSON.stringify(spec)}: nothing at layer ${l}`);
            continue;
          }
          if (spec.name === 'prefix') {
            const p = at as { k: torch.Tensor; v: torch.Tensor };
            assert.deepEqual(p.k.shape, [B, CFG.nHead, 4, CFG.dModel / CFG.nHead]);
            assert.deepEqual(p.v.shape, p.k.shape);
            assert.ok(!p.k.equal(p.v), 'keys and values are separate');
          } else assert.deepEqual((at as torch.Tensor).shape, [B, 4, CFG.dModel]);
        }
        assert.equal(mod.prompt, undefined);
        const logits = model.forward(x);
        assert.deepEqual(logits.shape, [B, CFG.contextLength, CFG.maxActDim, CFG.actionBins]);
        assert.ok(!logits.allclose(plain.forward(x), 1e-4, 1e-5), `${JSON.stringify(spec)}: changes the logits`);
      });
    } finally {
      torch.dispose(x);
      model.dispose();
      plain.dispose();
    }
  }
});

test('prompt dropout (0.1 by default) acts in training only', () => {
  for (const name of NAMES) {
    const model = small();
    attachMethod(model, createMethod({ name, length: 8 }));
    const { x } = paddedBatch(2, CFG.contextLength, CFG, [4]);
    try {
      torch.tidy(() => {
        model.train();
        torch.manualSeed(1);
        const a = model.forward(x);
        torch.manualSeed(2);
        assert.ok(!model.forward(x).equal(a), `${name}: training passes differ`);
        model.eval();
        assert.ok(model.forward(x).equal(model.forward(x)), `${name}: evaluation is deterministic`);
      });
    } finally {
      torch.dispose(x);
      model.dispose();
    }
  }
});

test('gatherPrompts: one prompt for all, one row per window, or top-k rows concatenated along the length (for L2P)', () => {
  torch.tidy(() => {
    torch.manualSeed(4);
    const one = torch.randn([1, 2, 3]);
    const all = gatherPrompts(one, 4);
    assert.deepEqual(all.shape, [4, 2, 3]);
    for (let b = 0; b < 4; b++) assert.ok(all.select(0, b).equal(one.select(0, 0)));

    const pool = torch.randn([5, 2, 3, 4]); // 5 prompts of length 2, per-position [3, 4] (e.g. layers x d)
    const rows = torch.tensor(Int32Array.from([4, 1, 1]), { dtype: 'int64' });
    const per = gatherPrompts(pool, 3, rows);
    assert.deepEqual(per.shape, [3, 2, 3, 4]);
    [4, 1, 1].forEach((r, b) => assert.ok(per.select(0, b).equal(pool.select(0, r))));

    const topk = torch.tensor(Int32Array.from([2, 0, 3, 4, 1, 1]), { shape: [2, 3], dtype: 'int64' });
    const cat = gatherPrompts(pool, 2, topk);
    assert.deepEqual(cat.shape, [2, 6, 3, 4]);
    [[2, 0, 3], [4, 1, 1]].forEach((rs, b) => assert.ok(cat.select(0, b).equal(torch.cat(rs.map((r) => pool.select(0, r)), 0)), `window ${b}`));

    assert.throws(() => gatherPrompts(pool, 3), /a table of 5 prompts needs the row of each window/);
    assert.throws(() => gatherPrompts(pool, 2, rows), /3 rows for a batch of 2/);
  });
});
