import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';
import { ActionTokenizer } from '../src/data/action-tokenizer.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import { decodeActionTokens } from '../src/model/decode.ts';
import { paddedBatch } from './helpers/dt-batch.ts';

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
