import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';
import { ActionTokenizer } from '../src/data/action-tokenizer.ts';
import { DecisionTransformer, PAPER_CONFIG, setNativeBlocks, type DTConfig } from '../src/model/decision-transformer.ts';
import * as profiler from '../src/torch/profiler.ts';
import '../src/adapt/index.ts';
import { createMethod } from '../src/adapt/registry.ts';
import { attachMethod } from '../src/adapt/inject.ts';
import { decodeActionTokens } from '../src/model/decode.ts';
import { paddedBatch } from './helpers/dt-batch.ts';
import type { LayerCache } from '../src/model/gpt2.ts';

test('the MinMax tokenizer matches the original: floor bins over [-1, 1], lower-edge decoding', () => {
  const tok = new ActionTokenizer(64, -1, 1);
  assert.equal(tok.encode(-1), 0);
  assert.equal(tok.encode(0), 32);
  assert.equal(tok.encode(1), 63); // clamped
  assert.equal(tok.encode(-0.96875), 1);
  assert.equal(tok.encode(-0.97), 0);
  assert.equal(tok.encode(5), 63);
  assert.equal(tok.encode(-5), 0);
  assert.equal(tok.decode(63), 0.96875);
  assert.equal(tok.decode(32), 0);
  assert.equal(tok.decode(0), -1);
  assert.equal(tok.padToken, 64);
  assert.throws(() => tok.encode(Number.NaN), /NaN/);
  for (let t = 0; t < 64; t++) assert.equal(tok.encode(tok.decode(t)), t, `round trip of token ${t}`);
});

for (const actionPositionEmbedding of [false, true]) test(`cached decoding gives the same actions as one full pass per action dimension (action-dimension embedding ${actionPositionEmbedding ? 'on' : 'off'})`, () => {
  const cfg: DTConfig = { ...PAPER_CONFIG, nLayer: 3, nHead: 4, dModel: 64, dInner: 256, maxEpisodeLength: 300, nPositions: 8, actionPositionEmbedding };
  torch.manualSeed(3);
  const model = new DecisionTransformer(cfg);
  // Sharpen the head so that argmax ties are impossible and different contexts give different actions.
  torch.noGrad(() => model.action_head.weight.mul_(40));
  model.eval();
  try {
    for (const actDim of [1, 4, 6]) {
      torch.tidy(() => {
        const { x } = paddedBatch(7, cfg.contextLength, cfg, [6]);
        const cached = decodeActionTokens(model, x, actDim, true);
        const full = decodeActionTokens(model, x, actDim, false);
        assert.deepEqual(Array.from(cached), Array.from(full), `actDim ${actDim}`);
        assert.ok(new Set(cached).size > 3, 'actions vary across the batch');
      });
    }
    assert.throws(() => torch.tidy(() => decodeActionTokens(model, paddedBatch(1, 5, cfg, [6]).x, 7)), /actDim must be in \[1, 6\]/);
    model.train();
    assert.throws(() => torch.tidy(() => decodeActionTokens(model, paddedBatch(1, 5, cfg, [6]).x, 4)), /eval mode/);
  } finally {
    model.dispose();
  }
});

/** How many times `fn` made the one-call native pass through the blocks. */
function nativePasses(fn: () => void): number {
  const { report } = profiler.profile(fn);
  return report.calls.find((c) => c.name === 'preLnBlocks')?.calls ?? 0;
}

const bitsOf = (xs: Float32Array[]): Buffer => Buffer.concat(xs.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)));

test('the one-call native pass through the blocks gives the bits of the per-op pass, cached and uncached, and runs only where it may', () => {
  const cfg: DTConfig = { ...PAPER_CONFIG, nLayer: 3, nHead: 4, dModel: 64, dInner: 256, maxEpisodeLength: 300, nPositions: 8 };
  torch.manualSeed(5);
  const model = new DecisionTransformer(cfg);
  torch.noGrad(() => model.action_head.weight.mul_(40));
  model.eval();
  try {
    torch.tidy(() => {
      const { x } = paddedBatch(9, cfg.contextLength, cfg, [6, 4]);
      for (const actDim of [1, 4, 6]) {
        for (const cached of [true, false]) {
          const run = (native: boolean): { tokens: number[]; logits: Buffer; passes: number } => {
            setNativeBlocks(native);
            const trace: Float32Array[] = [];
            let tokens: Int32Array = new Int32Array();
            const passes = nativePasses(() => {
              tokens = decodeActionTokens(model, x, actDim, cached, trace);
            });
            return { tokens: Array.from(tokens), logits: bitsOf(trace), passes };
          };
          const perOp = run(false);
          const native = run(true);
          const what = `actDim ${actDim}, ${cached ? 'cached' : 'uncached'}`;
          assert.equal(perOp.passes, 0, `${what}: setNativeBlocks(false) still made native passes`);
          assert.equal(native.passes, actDim, `${what}: one native pass per action dimension`);
          assert.deepEqual(native.tokens, perOp.tokens, what);
          assert.ok(native.logits.equals(perOp.logits), `${what}: logits differ in their bits`);
        }
      }
      // A whole forward pass without autograd, too.
      setNativeBlocks(true);
      let fast: Buffer = Buffer.alloc(0);
      assert.equal(nativePasses(() => torch.noGrad(() => { fast = bitsOf([model.forward(x).toFloat32Array()]); })), 1);
      setNativeBlocks(false);
      const slow = torch.noGrad(() => bitsOf([model.forward(x).toFloat32Array()]));
      assert.ok(fast.equals(slow), 'forward logits differ in their bits');
      setNativeBlocks(true);
      // Not where it would change results or lose gradients: with autograd on, in training mode, with a method.
      assert.equal(nativePasses(() => void model.forward(x)), 0, 'with autograd on');
      model.train();
      assert.equal(nativePasses(() => torch.noGrad(() => void model.forward(x))), 0, 'in training mode');
      model.eval();
      // A cache filled one way cannot be continued the other way (the layouts differ): a clear error.
      const e = torch.randn([2, 1, cfg.dModel]);
      const mask = (n: number) => torch.zeros([2, n], { dtype: 'bool' });
      for (const [first, then, message] of [[true, false, /filled by the native pass/], [false, true, /filled op by op/]] as const) {
        const caches: LayerCache[] = model.blocks.map(() => ({ k: null, v: null }));
        try {
          torch.noGrad(() => {
            setNativeBlocks(first);
            model.transform(e, mask(1), caches);
            setNativeBlocks(then);
            assert.throws(() => model.transform(e, mask(2), caches), message);
          });
        } finally {
          setNativeBlocks(true);
          for (const c of caches) {
            c.k?.dispose();
            c.v?.dispose();
          }
        }
      }
      // With a method: only where it keeps the blocks plain and does not modulate.
      const methods: Array<[string, number]> = [['full', 4], ['ewc', 4], ['lora', 0], ['ia3', 0], ['adapter', 0], ['prompt', 0], ['prefix', 0]];
      for (const [name, passes] of methods) {
        const m = new DecisionTransformer(cfg);
        try {
          m.loadStateDict(model.stateDict());
          attachMethod(m, createMethod({ name }));
          m.eval();
          assert.equal(nativePasses(() => void decodeActionTokens(m, x, 4)), passes, `with ${name} attached`);
        } finally {
          m.dispose();
        }
      }
    });
  } finally {
    setNativeBlocks(true);
    model.dispose();
  }
});
