import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import { paddedBatch } from './helpers/dt-batch.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

function relError(a: torch.Tensor, b: torch.Tensor): number {
  return torch.tidy(() => a.sub(b).abs().max().item() / Math.max(b.abs().max().item(), 1e-6));
}

for (const actionPositionEmbedding of [false, true]) test(`the Decision Transformer gives the same loss and gradients as a PyTorch implementation (1e-5 relative; action-dimension embedding ${actionPositionEmbedding ? 'on' : 'off'})`, () => {
  const python = torch.testing.findTorchPython();
  assert.ok(python);
  const cfg: DTConfig = { ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 64, dInner: 256, dropout: 0, maxEpisodeLength: 200, nPositions: 16, actionPositionEmbedding };
  torch.manualSeed(11);
  const model = new DecisionTransformer(cfg);
  torch.noGrad(() => {
    for (const [name, p] of model.namedParameters()) if (name.includes('ln')) p.add_(torch.tidy(() => torch.randn(p.shape).mul(0.1)));
  });
  const { x, actionMask } = paddedBatch(6, cfg.contextLength, cfg, [4, 6, 1, 2]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-dt-parity-'));
  try {
    const inFile = path.join(dir, 'in.safetensors');
    const outFile = path.join(dir, 'out.safetensors');
    const record: Record<string, torch.Tensor> = { ...x, actionMask } as unknown as Record<string, torch.Tensor>;
    for (const [name, p] of model.namedParameters()) record[`param.${name}`] = p;
    torch.saveSafetensors(inFile, record, { config: JSON.stringify(cfg) });
    torch.testing.runPython(path.join(here, 'reference', 'dt_parity.py'), [inFile, outFile]);

    const loss = model.loss(x, actionMask);
    loss.backward();
    const ref = torch.loadSafetensors(outFile);
    const names = Array.from(model.namedParameters(), ([n]) => n);
    assert.deepEqual(names, JSON.parse(ref.metadata.names!) as string[]);
    assert.equal(names.includes('embed_act_pos.weight'), actionPositionEmbedding);
    const refLoss = ref.tensors.loss!.item();
    assert.ok(Math.abs(loss.item() - refLoss) <= 1e-5 * Math.abs(refLoss), `loss ${loss.item()} vs PyTorch ${refLoss}`);
    for (const [name, p] of model.namedParameters()) {
      const g = p.grad ?? torch.zerosLike(p);
      const err = relError(g, ref.tensors[`grad.${name}`]!);
      assert.ok(err <= 1e-5, `${name}: gradient relative error ${err}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
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
