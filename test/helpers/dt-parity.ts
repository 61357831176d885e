/** The PyTorch side of the Decision Transformer parity tests (test/reference/dt_parity.py), run on a model's weights and a batch. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/torch/index.ts';
import type { DecisionTransformer, DTInputs } from '../../src/model/decision-transformer.ts';

const reference = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'reference', 'dt_parity.py');

/** PyTorch's loss and gradients (on the CPU) for `model`'s weights, optionally under autocast and on another device. */
export function pytorchLossAndGrads(model: DecisionTransformer, x: DTInputs, actionMask: torch.Tensor, opts: { autocast?: 'bfloat16' | 'float16'; device?: string } = {}): { loss: number; grads: Record<string, torch.Tensor>; names: string[] } {
  torch.testing.findTorchPython();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-dt-parity-'));
  try {
    const inFile = path.join(dir, 'in.safetensors');
    const outFile = path.join(dir, 'out.safetensors');
    const record: Record<string, torch.Tensor> = { ...x, actionMask } as unknown as Record<string, torch.Tensor>;
    for (const [name, p] of model.namedParameters()) record[`param.${name}`] = p;
    const meta: Record<string, string> = { config: JSON.stringify(model.cfg) };
    if (opts.autocast) meta.autocast = opts.autocast;
    if (opts.device) meta.device = opts.device;
    torch.saveSafetensors(inFile, record, meta);
    torch.testing.runPython(reference, [inFile, outFile]);
    const ref = torch.loadSafetensors(outFile);
    const grads: Record<string, torch.Tensor> = {};
    for (const [k, t] of Object.entries(ref.tensors)) if (k.startsWith('grad.')) grads[k.slice(5)] = t;
    return { loss: ref.tensors.loss!.item(), grads, names: JSON.parse(ref.metadata.names!) as string[] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** max |a - b| / max |b| (b moved to a's device). */
export function relError(a: torch.Tensor, b: torch.Tensor): number {
  return torch.tidy(() => {
    const bb = b.to(a.device);
    return a.sub(bb).abs().max().item() / Math.max(bb.abs().max().item(), 1e-6);
  });
}
