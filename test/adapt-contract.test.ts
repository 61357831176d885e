/**
 * One contract over every registered adaptation method (as dm_control's suite test runs every task):
 * identity at initialisation, PyTorch parity of loss and gradients, only the method's parameters
 * train, adapter checkpoints round-trip and refuse another base, cached = uncached decoding, and a
 * batch mixing tasks equals its per-task parts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig, type DTInputs } from '../src/model/decision-transformer.ts';
import { decodeActionTokens } from '../src/model/decode.ts';
import '../src/adapt/index.ts';
import { createMethod, methodNames } from '../src/adapt/registry.ts';
import { attachMethod, baseKeyNames } from '../src/adapt/inject.ts';
import { loadAdapter, saveAdapter } from '../src/adapt/checkpoint.ts';
import { adamwGroups } from '../src/train/optimizer.ts';
import { trainStep } from '../src/train/step.ts';
import { paddedBatch } from './helpers/dt-batch.ts';
import { ADAPT_CASES } from './helpers/adapt-cases.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CFG: DTConfig = { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 32, dInner: 128, dropout: 0, maxEpisodeLength: 200, nPositions: 16, actionPositionEmbedding: true };
const TASKS = 3;

function base(seed = 5): DecisionTransformer {
  torch.manualSeed(seed);
  const m = new DecisionTransformer(CFG);
  // LayerNorms away from 1/0, so that their parameters' roles show in the checks.
  torch.noGrad(() => {
    for (const [name, p] of m.namedParameters()) if (name.includes('ln')) p.add_(torch.tidy(() => torch.randn(p.shape).mul(0.1)));
  });
  return m;
}

function batch(B = 6): { x: DTInputs; actionMask: torch.Tensor } {
  torch.manualSeed(3);
  const b = paddedBatch(B, CFG.contextLength, CFG, [4, 6, 1, 2]);
  b.x.taskIds = torch.tensor(Int32Array.from({ length: B }, (_, i) => i % TASKS), { dtype: 'int64' });
  return b;
}

/** Moves every parameter the method trains away from its initial value (identity inits have zero gradients otherwise). */
function perturb(model: DecisionTransformer): void {
  torch.manualSeed(17);
  torch.noGrad(() => {
    for (const [, p] of model.namedParameters()) if (p.requiresGrad) p.add_(torch.tidy(() => torch.randn(p.shape).mul(0.05)));
  });
}

function relError(a: torch.Tensor, b: torch.Tensor): number {
  return torch.tidy(() => a.sub(b).abs().max().item() / Math.max(b.abs().max().item(), 1e-6));
}

test('every registered adaptation method has contract-test cases', () => {
  const missing = methodNames().filter((n) => !(n in ADAPT_CASES));
  assert.deepEqual(missing, [], `add cases for ${missing.join(', ')} to test/helpers/adapt-cases.ts`);
  for (const name of Object.keys(ADAPT_CASES)) assert.ok(methodNames().includes(name), `case for an unregistered method '${name}'`);
});

for (const [name, cases] of Object.entries(ADAPT_CASES)) {
  for (const c of cases) {
    test(`${c.label}: identity at init, PyTorch parity, only its parameters train, checkpoints, decoding, mixed tasks`, () => {
      const plain = base();
      const model = base();
      const method = createMethod(c.config);
      assert.equal(method.name, name);
      attachMethod(model, method);
      const { x, actionMask } = batch();
      try {
        // 1. identity at initialisation
        if (c.identity) {
          torch.tidy(() => assert.ok(model.forward(x).equal(plain.forward(x)), 'logits differ from the base at initialisation'));
        }
        perturb(model);
        const trainable = Array.from(model.namedParameters()).filter(([, p]) => p.requiresGrad).map(([n]) => n);
        assert.ok(trainable.length > 0, 'the method trains nothing');

        // 2. loss and gradients against the PyTorch reference of the method
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-adapt-'));
        try {
          const inFile = path.join(dir, 'in.safetensors');
          const outFile = path.join(dir, 'out.safetensors');
          const record: Record<string, torch.Tensor> = { ...x, actionMask } as unknown as Record<string, torch.Tensor>;
          for (const [n, p] of model.namedParameters()) record[`param.${n}`] = p;
          for (const [n, b] of model.namedBuffers(true)) record[`param.${n}`] = b;
          torch.saveSafetensors(inFile, record, { config: JSON.stringify(CFG), method: name, method_config: JSON.stringify(method.config), trainable: JSON.stringify(trainable) });
          torch.testing.runPython(path.join(here, 'reference', 'adapt_parity.py'), [inFile, outFile]);
          const ref = torch.loadSafetensors(outFile);
          assert.deepEqual(JSON.parse(ref.metadata.names!), Object.keys(model.stateDict()).sort(), 'parameter names differ from the reference');
          model.zeroGrad();
          const loss = model.loss(x, actionMask);
          loss.backward();
          const refLoss = ref.tensors.loss!.item();
          assert.ok(Math.abs(loss.item() - refLoss) <= 1e-5 * Math.abs(refLoss), `loss ${loss.item()} vs PyTorch ${refLoss}`);
          for (const n of trainable) {
            const p = model.stateDict()[n]!;
            const g = p.grad ?? torch.zerosLike(p);
            const err = relError(g, ref.tensors[`grad.${n}`]!);
            assert.ok(err <= 1e-5, `${n}: gradient relative error ${err}`);
          }
          model.zeroGrad();
          loss.dispose();
          torch.dispose(ref.tensors);

          // 3. a few updates change only what the method trains; the base's other tensors stay bit-identical
          const before = Object.fromEntries(Object.entries(model.stateDict()).map(([n, t]) => [n, torch.keep(t.clone())]));
          const opt = new torch.optim.AdamW(adamwGroups(model, 0.01), { lr: 1e-2 });
          model.train();
          for (let u = 0; u < 3; u++) trainStep(model, opt, () => batch(), { accumulation: 1, gradClip: 1, seed: u, method });
          opt.dispose();
          model.eval();
          const sd = model.stateDict();
          const frozenBase = [...baseKeyNames(model)].filter((n) => !trainable.includes(n));
          for (const n of frozenBase) assert.ok(sd[n]!.equal(before[n]!), `frozen base tensor ${n} changed`);
          assert.ok(trainable.some((n) => !sd[n]!.equal(before[n]!)), 'no trainable parameter changed');
          torch.dispose(before);

          // 4. adapter checkpoints round-trip and refuse another base
          const ckpt = path.join(dir, 'adapter');
          saveAdapter(ckpt, model, method);
          const again = base();
          loadAdapter(ckpt, again);
          again.eval();
          torch.tidy(() => assert.ok(again.forward(x).equal(model.forward(x)), 'the reloaded adapter gives other logits'));
          again.dispose();
          const other = base(6);
          assert.throws(() => loadAdapter(ckpt, other), /trained on another base model/);
          other.dispose();
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }

        // 5. cached decoding equals the original's full passes
        model.eval();
        const cached = decodeActionTokens(model, x, CFG.maxActDim, true);
        const uncached = decodeActionTokens(model, x, CFG.maxActDim, false);
        assert.deepEqual(Array.from(cached), Array.from(uncached), 'cached and uncached decoding differ');

        // 6. a batch mixing tasks gives each window what a batch of its own task gives it
        torch.tidy(() => {
          const all = model.forward(x);
          const ids = x.taskIds!.toArray();
          for (let t = 0; t < TASKS; t++) {
            const idx = torch.tensor(Int32Array.from(ids.flatMap((v, i) => (v === t ? [i] : []))), { dtype: 'int64' });
            const part: DTInputs = Object.fromEntries(Object.entries(x).map(([k, v]) => [k, (v as torch.Tensor).indexSelect(0, idx)])) as unknown as DTInputs;
            const alone = model.forward(part);
            assert.ok(alone.allclose(all.indexSelect(0, idx), 1e-5, 1e-6), `task ${t}: the mixed batch's logits differ from its own batch's`);
          }
        });
      } finally {
        torch.dispose(x);
        actionMask.dispose();
        model.dispose();
        plain.dispose();
      }
    });
  }
}
