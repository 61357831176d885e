import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';
import { GPT, type GPTConfig } from '../bench/gpt-model.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** max |a - b| / max |b| over the tensor (with a floor so all-zero gradients compare absolutely). */
function relError(a: torch.Tensor, b: torch.Tensor): number {
  return torch.tidy(() => a.sub(b).abs().max().item() / Math.max(b.abs().max().item(), 1e-6));
}

test('a GPT block stack gives the same loss and gradients as PyTorch (1e-5 relative)', () => {
  const python = torch.testing.findTorchPython(); // fails with a clear message when there is none
  assert.ok(python);
  const cfg: GPTConfig = { vocabSize: 40, blockSize: 12, nLayer: 2, nHead: 4, nEmbd: 64, mlpHidden: 256, dropout: 0 };
  torch.manualSeed(7);
  const model = new GPT(cfg);
  // Non-trivial LayerNorm parameters so their gradients are tested too.
  torch.noGrad(() => {
    for (const [name, p] of model.namedParameters()) if (name.includes('ln_')) p.add_(torch.tidy(() => torch.randn(p.shape).mul(0.1)));
  });
  const idx = torch.randint(0, cfg.vocabSize, [3, cfg.blockSize]);
  const targets = torch.randint(0, cfg.vocabSize, [3, cfg.blockSize]);
  torch.noGrad(() => targets.select(0, 1).narrow(0, 0, 4).fill_(-100)); // ignored positions

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-parity-'));
  try {
    const inFile = path.join(dir, 'in.safetensors');
    const outFile = path.join(dir, 'out.safetensors');
    const record: Record<string, torch.Tensor> = { idx, targets };
    for (const [name, p] of model.namedParameters()) record[`param.${name}`] = p;
    torch.saveSafetensors(inFile, record, { config: JSON.stringify(cfg) });
    torch.testing.runPython(path.join(here, 'reference', 'gpt_parity.py'), [inFile, outFile]);

    const { logits, loss } = model.forward(idx, targets);
    assert.deepEqual(logits.shape, [3, cfg.blockSize, cfg.vocabSize]);
    loss!.backward();
    const ref = torch.loadSafetensors(outFile);
    const refNames = JSON.parse(ref.metadata.names!) as string[];
    const ours = Array.from(model.namedParameters(), ([n]) => n);
    assert.deepEqual(ours, refNames, 'parameter names and order match PyTorch');
    const refLoss = ref.tensors.loss!.item();
    assert.ok(Math.abs(loss!.item() - refLoss) <= 1e-5 * Math.abs(refLoss), `loss ${loss!.item()} vs PyTorch ${refLoss}`);
    for (const [name, p] of model.namedParameters()) {
      const g = p.grad;
      assert.ok(g, `${name} has a gradient`);
      const err = relError(g, ref.tensors[`grad.${name}`]!);
      assert.ok(err <= 1e-5, `${name}: gradient relative error ${err}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    model.dispose();
  }
});

test('without a Python that imports torch the reference checks fail with a clear message', () => {
  assert.throws(
    () => torch.testing.findTorchPythonAmong(['/nonexistent/python3']),
    /no Python interpreter with PyTorch found \(tried \/nonexistent\/python3\).*python3-torch.*L2M_PYTHON/,
  );
});
