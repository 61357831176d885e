import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import '../src/adapt/index.ts';
import { createMethod } from '../src/adapt/registry.ts';
import { attachMethod, trainableParameters } from '../src/adapt/inject.ts';
import { paddedBatch } from './helpers/dt-batch.ts';

const CFG: DTConfig = { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 32, dInner: 128, dropout: 0, maxEpisodeLength: 200, nPositions: 16 };

test('merging LoRA into the base weights gives a plain model with the same logits', () => {
  torch.manualSeed(1);
  const model = new DecisionTransformer(CFG);
  const plainKeys = Object.keys(model.stateDict());
  const method = createMethod({ name: 'lora', rank: 4, alpha: 8, k: true });
  attachMethod(model, method);
  torch.noGrad(() => {
    for (const [n, p] of model.namedParameters()) if (n.includes('lora_')) p.add_(torch.tidy(() => torch.randn(p.shape).mul(0.1)));
  });
  model.eval();
  const { x } = paddedBatch(5, CFG.contextLength, CFG, [4, 6]);
  const before = torch.keep(model.forward(x));
  method.merge!(model);
  assert.deepEqual(Object.keys(model.stateDict()), plainKeys, 'only the base keys are left');
  const after = model.forward(x);
  assert.ok(after.allclose(before, 1e-4, 1e-5), `max difference ${torch.tidy(() => after.sub(before).abs().max().item())}`);
  assert.ok(!after.equal(torch.tidy(() => new DecisionTransformer(CFG).eval().forward(x))), 'the merged weights are not the initial ones');
  model.dispose();
});

test('LoRA on the paper model trains the parameters the spec counts (rank 8: Q, V and the FFN of 6 layers)', () => {
  const model = new DecisionTransformer(PAPER_CONFIG);
  attachMethod(model, createMethod({ name: 'lora' }));
  // Per layer: Q and V: 2 x (768 x 8 + 8 x 768); FFN: 3072 x 8 + 8 x 3072 (l2m-spec.md section 4: 442,368 per module of 6 layers).
  const perLayer = 2 * (768 * 8 + 8 * 768) + (3072 * 8 + 8 * 3072);
  const { trainable, total, line } = trainableParameters(model);
  assert.equal(trainable, 6 * perLayer);
  assert.equal(trainable, 442_368);
  assert.equal(total, 44_344_384 + 442_368);
  assert.match(line, /^trainable params: 442,368 \|\| all params: 44,786,752 \|\| trainable%: 0\.9877$/);
  model.dispose();
});

test('a LoRA pool picks each window its row; several rows cannot be merged', async () => {
  const { injectLora, mergeLora, loraSchema } = await import('../src/adapt/lora.ts');
  torch.manualSeed(2);
  const model = new DecisionTransformer(CFG);
  model.freeze();
  injectLora(model, loraSchema.parse({ rank: 2, alpha: 2 }), 3);
  torch.noGrad(() => {
    for (const [n, p] of model.namedParameters()) if (n.includes('lora_')) p.add_(torch.tidy(() => torch.randn(p.shape).mul(0.1)));
  });
  const layer = model.blocks[0]!.attn.c_attn;
  const xs = torch.randn([3, 4, CFG.dModel]);
  const rows = torch.tensor(Int32Array.from([2, 0, 1]), { dtype: 'int64' });
  const all = layer.forward(xs, { rows });
  for (let b = 0; b < 3; b++) {
    const one = layer.forward(xs.narrow(0, b, 1), { rows: rows.narrow(0, b, 1) });
    assert.ok(one.allclose(all.narrow(0, b, 1), 1e-6, 1e-6), `window ${b}`);
  }
  assert.throws(() => layer.forward(xs), /names no row per window/);
  assert.throws(() => mergeLora(model), /pool of several rows cannot be merged/);
  model.dispose();
});
