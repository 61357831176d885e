import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import { paddedBatch } from './helpers/dt-batch.ts';
import { pytorchLossAndGrads, relError } from './helpers/dt-parity.ts';

for (const actionPositionEmbedding of [false, true]) test(`the Decision Transformer gives the same loss and gradients as a PyTorch implementation (1e-5 relative; action-dimension embedding ${actionPositionEmbedding ? 'on' : 'off'})`, () => {
  const cfg: DTConfig = { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 64, dInner: 256, dropout: 0, maxEpisodeLength: 200, nPositions: 16, actionPositionEmbedding };
  torch.manualSeed(11);
  const model = new DecisionTransformer(cfg);
  torch.noGrad(() => {
    for (const [name, p] of model.namedParameters()) if (name.includes('ln')) p.add_(torch.tidy(() => torch.randn(p.shape).mul(0.1)));
  });
  const { x, actionMask } = paddedBatch(6, cfg.contextLength, cfg, [4, 6, 1, 2]);
  try {
    const ref = pytorchLossAndGrads(model, x, actionMask);
    const loss = model.loss(x, actionMask);
    loss.backward();
    const names = Array.from(model.namedParameters(), ([n]) => n);
    assert.deepEqual(names, ref.names);
    assert.equal(names.includes('embed_act_pos.weight'), actionPositionEmbedding);
    assert.ok(Math.abs(loss.item() - ref.loss) <= 1e-5 * Math.abs(ref.loss), `loss ${loss.item()} vs PyTorch ${ref.loss}`);
    for (const [name, p] of model.namedParameters()) {
      const g = p.grad ?? torch.zerosLike(p);
      const err = relError(g, ref.grads[name]!);
      assert.ok(err <= 1e-5, `${name}: gradient relative error ${err}`);
    }
  } finally {
    model.dispose();
  }
});

test('under bfloat16 autocast the loss and gradients follow PyTorch\'s CPU autocast, not the float32 ones', () => {
  const cfg: DTConfig = { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 64, dInner: 256, dropout: 0, maxEpisodeLength: 200, nPositions: 16, actionPositionEmbedding: true };
  torch.manualSeed(12);
  const model = new DecisionTransformer(cfg);
  const { x, actionMask } = paddedBatch(6, cfg.contextLength, cfg, [4, 6, 1, 2]);
  const gradsOf = (): Map<string, torch.Tensor> => {
    const out = new Map<string, torch.Tensor>();
    for (const [name, p] of model.namedParameters()) out.set(name, torch.keep(p.grad ? p.grad.clone() : torch.zerosLike(p)));
    model.zeroGrad();
    return out;
  };
  try {
    const ref = pytorchLossAndGrads(model, x, actionMask, { autocast: 'bfloat16' });
    const full = model.loss(x, actionMask);
    full.backward();
    const fullGrads = gradsOf();
    const half = torch.autocast('cpu', { dtype: 'bfloat16' }, () => model.loss(x, actionMask));
    assert.equal(torch.isAutocastEnabled('cpu'), false, 'autocast is off again after the region');
    half.backward();
    const halfGrads = gradsOf();
    const dRef = Math.abs(half.item() - ref.loss);
    const dFull = Math.abs(half.item() - full.item());
    // Both sides run libtorch's bfloat16 op lists on the same products, so they agree as closely as
    // float32 code does (measured: the same loss, gradients within 4e-7), while bfloat16's 8-bit
    // mantissa moves both well away from the float32 results.
    assert.ok(dFull > 1e-5 * Math.abs(full.item()), `autocast changed the loss (${half.item()} vs float32 ${full.item()})`);
    assert.ok(dRef <= 1e-6 * Math.abs(ref.loss), `loss ${half.item()} vs PyTorch autocast ${ref.loss} (float32 ${full.item()})`);
    let worst = 0;
    let worstFull = 0;
    for (const [name, g] of halfGrads) {
      const err = relError(g, ref.grads[name]!);
      worstFull = Math.max(worstFull, relError(g, fullGrads.get(name)!));
      worst = Math.max(worst, err);
      assert.ok(err <= 1e-5, `${name}: gradient relative error ${err} against PyTorch's autocast`);
    }
    assert.ok(worstFull > 100 * Math.max(worst, 1e-7), `autocast changed the gradients (worst relative difference to float32 ${worstFull}, to PyTorch ${worst})`);
    console.log(`bf16 autocast: loss ${half.item()} (PyTorch ${ref.loss}, float32 ${full.item()}); worst gradient error against PyTorch ${worst.toExponential(2)}, against float32 ${worstFull.toExponential(2)}`);
  } finally {
    model.dispose();
  }
});

test('the paper configuration has the shapes of the original (6 x 7,087,872 block parameters)', () => {
  const model = new DecisionTransformer(PAPER_CONFIG);
  try {
    const s = model.parameterSummary();
    assert.equal(s.blocks, 6 * 7_087_872);
    // The original's 44,503,566 also counts its untrained prediction heads (state 156,876, return 769, and 1,537 more).
    assert.equal(s.total, 44_503_566 - 156_876 - 769 - 1_537);
    const names = Array.from(model.namedParameters(), ([n]) => n);
    for (const n of ['blocks.0.attn.c_attn.weight', 'blocks.5.mlp.c_fc.weight', 'blocks.5.mlp.c_proj.weight', 'action_head.weight', 'embed_action.weight']) {
      assert.ok(names.includes(n), `parameter ${n} exists`);
    }
  } finally {
    model.dispose();
  }
});

test('a bad configuration is refused with the key named', () => {
  assert.throws(() => new DecisionTransformer({ ...PAPER_CONFIG, nHead: 5 }), /nHead: dModel must be divisible by nHead \(got 5\)/);
  assert.throws(() => new DecisionTransformer({ ...PAPER_CONFIG, nLayer: 0 }), /nLayer: .*got 0/);
});
