/**
 * (IA)3 and adapters beyond the contract test: config errors name the bad field, merged (IA)3 gives the
 * same logits as a plain model, (IA)3 pool rows pick each window's vectors, the adapter sees the
 * branch after its residual dropout, and the trainable parameter counts on the paper's model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import '../src/adapt/index.ts';
import { createMethod, parseMethodConfig } from '../src/adapt/registry.ts';
import { attachMethod, trainableParameters } from '../src/adapt/inject.ts';
import { Ia3Attention, Ia3Embeddings, Ia3Input, ia3Schema, injectIa3 } from '../src/adapt/ia3.ts';
import { AdapterLinear } from '../src/adapt/adapters.ts';
import { paddedBatch } from './helpers/dt-batch.ts';

const CFG: DTConfig = { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 32, dInner: 128, dropout: 0, maxEpisodeLength: 200, nPositions: 16, actionPositionEmbedding: true };

function small(seed = 5, cfg = CFG): DecisionTransformer {
  torch.manualSeed(seed);
  const m = new DecisionTransformer(cfg);
  m.eval();
  return m;
}

function perturb(model: DecisionTransformer): void {
  torch.manualSeed(17);
  torch.noGrad(() => {
    for (const [, p] of model.namedParameters()) if (p.requiresGrad) p.add_(torch.tidy(() => torch.randn(p.shape).mul(0.3)));
  });
}

function configError(spec: Record<string, unknown>): string {
  try {
    parseMethodConfig(spec);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail(`config ${JSON.stringify(spec)} was accepted`);
}

test('bad (IA)3 and adapter configs: the error names the field', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ name: 'ia3', kk: true }, /ia3.*\n.*kk/s],
    [{ name: 'ia3', v: 'yes' }, /- v: .*boolean/],
    [{ name: 'ia3', layers: 'last' }, /- layers:/],
    [{ name: 'ia3', layers: [0.5] }, /- layers/],
    [{ name: 'ia3', k: false, v: false, ffn: false }, /- k: nothing to modulate: k, v, ffn and embeddings are all false/],
    [{ name: 'ia3', layers: [] }, /- layers: nothing to modulate/],
    [{ name: 'adapter', reduction: 8 }, /adapter.*\n.*reduction/s],
    [{ name: 'adapter', bottleneck: 0 }, /- bottleneck:/],
    [{ name: 'adapter', bottleneck: 4.5 }, /- bottleneck:/],
    [{ name: 'adapter', reductionFactor: -2 }, /- reductionFactor:/],
    [{ name: 'adapter', bottleneck: 8, reductionFactor: 4 }, /- bottleneck: give either bottleneck or reductionFactor, not both/],
    [{ name: 'adapter', init: 'zeros' }, /- init:/],
    [{ name: 'adapter', attention: false, ffn: false }, /- attention: nothing to modulate/],
    [{ name: 'adapter', layers: [] }, /- layers: nothing to modulate/],
  ];
  for (const [spec, re] of cases) assert.match(configError(spec), re, JSON.stringify(spec));
  // Defaults are filled in and survive a second parse (adapter checkpoints re-parse their config).
  const a = parseMethodConfig({ name: 'adapter' });
  assert.deepEqual(a.config, { reductionFactor: 16, init: 'bert', attention: true, ffn: true, layers: 'all' });
  assert.deepEqual(parseMethodConfig({ name: 'adapter', ...(a.config as object) }).config, a.config);
  assert.deepEqual(parseMethodConfig({ name: 'ia3' }).config, { k: true, v: true, ffn: true, embeddings: false, layers: 'all' });
  // A layer the model does not have is an error at injection.
  const m = small();
  assert.throws(() => attachMethod(m, createMethod({ name: 'ia3', layers: [2] })), /layer 2 does not exist \(the model has 2 blocks\)/);
  m.dispose();
});

for (const spec of [{ name: 'ia3' }, { name: 'ia3', k: false, layers: [-1] }, { name: 'ia3', v: false, ffn: false }]) {
  test(`(IA)3 merge ${JSON.stringify(spec)}: plain layers, base names only, the same logits`, () => {
    const plain = small();
    const model = small();
    const baseNames = Object.keys(plain.stateDict()).sort();
    const method = createMethod(spec);
    attachMethod(model, method);
    perturb(model);
    torch.manualSeed(3);
    const { x } = paddedBatch(4, CFG.contextLength, CFG, [4, 6, 1, 2]);
    try {
      const before = torch.keep(model.forward(x));
      assert.ok(torch.tidy(() => before.sub(plain.forward(x)).abs().max().item()) > 1e-6, 'the perturbed vectors do not change the logits');
      method.merge!(model);
      for (const [name, m] of model.namedModules()) {
        assert.ok(!(m instanceof Ia3Attention || m instanceof Ia3Input || m instanceof Ia3Embeddings), `${name} is still an (IA)3 wrapper`);
        if (name.endsWith('c_attn') || name.endsWith('c_proj')) assert.equal(m.constructor, torch.nn.Linear, `${name} is not a plain Linear`);
      }
      assert.deepEqual(Object.keys(model.stateDict()).sort(), baseNames);
      const after = torch.keep(model.forward(x));
      const err = torch.tidy(() => after.sub(before).abs().max().item());
      assert.ok(after.allclose(before, 1e-5, 1e-5), `merged logits differ by ${err}`);
      // The merged weights load into a plain model and act the same.
      torch.tidy(() => {
        plain.loadStateDict(model.stateDict());
        assert.ok(plain.forward(x).allclose(before, 1e-5, 1e-5));
      });
      torch.dispose([before, after]);
    } finally {
      torch.dispose(x);
      model.dispose();
      plain.dispose();
    }
  });
}

test('(IA)3 merge refuses embedding vectors and pools of several rows, before changing anything', () => {
  const m = small();
  const method = createMethod({ name: 'ia3', embeddings: true });
  attachMethod(m, method);
  assert.throws(() => method.merge!(m), /embed_ln: \(IA\)3 embedding vectors cannot be merged/);
  assert.ok(m.blocks[0]!.attn.c_attn instanceof Ia3Attention, 'a refused merge changed the model');
  m.dispose();
  const pool = small();
  pool.freeze();
  injectIa3(pool, ia3Schema.parse({}), 3);
  assert.throws(() => createMethod({ name: 'ia3' }).merge!(pool), /pool of several rows cannot be merged/);
  pool.dispose();
  const other = small();
  assert.throws(() => injectIa3(other, ia3Schema.parse({ embeddings: true }), 3), /embedding vectors cannot have pool rows/);
  other.dispose();
});

test('(IA)3 pool rows: each window is scaled by the vectors of its own row', () => {
  torch.manualSeed(1);
  const base = new torch.nn.Linear(8, 12);
  const att = new Ia3Attention(base, { k: true, v: true }, 3);
  const ffn = new Ia3Input(new torch.nn.Linear(12, 8), 3);
  torch.noGrad(() => {
    for (const p of [att.ia3_k!, att.ia3_v!, ffn.ia3_ffn]) p.copy_(torch.tidy(() => torch.randn(p.shape)));
  });
  torch.tidy(() => {
    const x = torch.randn([2, 5, 8]);
    const rows = torch.tensor(Int32Array.from([2, 0]), { dtype: 'int64' });
    const y = att.forward(x, { rows });
    const h = torch.randn([2, 5, 12]);
    const z = ffn.forward(h, { rows });
    for (const [b, r] of [[0, 2], [1, 0]] as const) {
      const yb = base.forward(x.narrow(0, b, 1));
      const want = torch.cat([yb.narrow(-1, 0, 4), yb.narrow(-1, 4, 4).mul(att.ia3_k!.select(0, r)), yb.narrow(-1, 8, 4).mul(att.ia3_v!.select(0, r))], -1);
      assert.ok(y.narrow(0, b, 1).allclose(want, 1e-6, 1e-6), `attention window ${b}`);
      const wantZ = torch.nn.Linear.prototype.forward.call(ffn, h.narrow(0, b, 1).mul(ffn.ia3_ffn.select(0, r)));
      assert.ok(z.narrow(0, b, 1).allclose(wantZ, 1e-6, 1e-6), `FFN window ${b}`);
    }
    assert.throws(() => att.forward(x), /names no row per window/);
  });
  att.dispose();
  ffn.dispose();
});

test('adapter: applied to the branch after its residual dropout, as the original; the block dropout is moved into it', () => {
  const m = small(5, { ...CFG, dropout: 0.3 });
  attachMethod(m, createMethod({ name: 'adapter' }));
  const blk = m.blocks[0]!;
  const proj = blk.attn.c_proj as AdapterLinear;
  assert.ok(proj instanceof AdapterLinear && blk.mlp.c_proj instanceof AdapterLinear);
  assert.equal(proj.dropoutP, 0.3);
  assert.equal(blk.attn.resid_dropout.p, 0);
  assert.equal(blk.mlp.dropout.p, 0);
  assert.equal(proj.adapter_down.outFeatures, 2); // 32 / 16
  m.train();
  torch.tidy(() => {
    const x = torch.randn([2, 3, 32]);
    torch.manualSeed(9);
    const got = proj.forward(x);
    torch.manualSeed(9);
    const y = torch.F.dropout(torch.F.linear(x, proj.weight, proj.bias), 0.3, true);
    const want = y.add(proj.adapter_up.forward(torch.F.silu(proj.adapter_down.forward(y))));
    assert.ok(got.equal(want));
  });
  m.dispose();
});

test('trainable parameters on the paper model: (IA)3 27,648 (30,720 with embeddings), adapters 894,528', () => {
  const d = 768;
  const dInner = 3072;
  const L = 6;
  const expected: [Record<string, unknown>, number][] = [
    [{ name: 'ia3' }, L * (d + d + dInner)], // 27,648
    [{ name: 'ia3', embeddings: true }, L * (d + d + dInner) + 4 * d], // 30,720
    [{ name: 'adapter' }, L * 2 * (d * 48 + 48 + 48 * d + d)], // 894,528
  ];
  assert.deepEqual(
    expected.map(([, n]) => n),
    [27_648, 30_720, 894_528],
  );
  for (const [spec, n] of expected) {
    torch.manualSeed(0);
    const m = new DecisionTransformer(PAPER_CONFIG);
    const plainTotal = m.numParameters();
    attachMethod(m, createMethod(spec));
    const { trainable, total, line } = trainableParameters(m);
    assert.equal(trainable, n, `${JSON.stringify(spec)}: ${line}`);
    assert.equal(total, plainTotal + n, `${JSON.stringify(spec)}: the method's parameters are all new`);
    m.dispose();
  }
});
