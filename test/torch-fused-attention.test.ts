// The fused CPU attention kernel (native/src/attention.cc) against the unfused ops it replaces:
// outputs and q/k/v gradients, over the cases the model meets (causal, key padding with fully masked
// rows, a KV cache or prefix with kLen > qLen, dropout with the same draws), and its bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';
import { native } from '../src/torch/native.ts';
import { wrap } from '../src/torch/tensor.ts';

const { F } = torch;

interface Case { B: number; H: number; Tq: number; Tk: number; D: number; causal?: boolean; pad?: boolean; p?: number }

function run(c: Case, fused: boolean): Float32Array[] {
  return torch.tidy(() => {
    torch.manualSeed(3);
    const q = torch.randn([c.B, c.Tq, c.H * c.D]).requiresGrad_(true);
    const k = torch.randn([c.B, c.Tk, c.H * c.D]).requiresGrad_(true);
    const v = torch.randn([c.B, c.Tk, c.H * c.D]).requiresGrad_(true);
    let pad: torch.Tensor | undefined;
    if (c.pad) {
      // batch b masks its first b keys: with causal attention, some rows see no key at all
      const m = new Uint8Array(c.B * c.Tk);
      for (let b = 0; b < c.B; b++) for (let j = 0; j < c.Tk; j++) m[b * c.Tk + j] = j < b % (c.Tk + 1) ? 1 : 0;
      pad = torch.tensor(m, { shape: [c.B, c.Tk], dtype: 'bool' });
    }
    torch.manualSeed(7);
    const y = F.scaledDotProductAttention(F.splitHeads(q, c.H), F.splitHeads(k, c.H), F.splitHeads(v, c.H), { causal: c.causal, keyPaddingMask: pad, dropout: c.p, training: true, fused });
    y.mul(torch.randn(y.shape)).sum().backward();
    return [y, q.grad!, k.grad!, v.grad!].map((t) => t.toFloat32Array());
  });
}

const cases: Case[] = [
  { B: 3, H: 2, Tq: 7, Tk: 7, D: 8, causal: true },
  { B: 5, H: 4, Tq: 9, Tk: 9, D: 16, causal: true, pad: true },
  { B: 4, H: 2, Tq: 3, Tk: 11, D: 8, causal: true, pad: true }, // a cache or prefix: kLen > qLen
  { B: 2, H: 2, Tq: 5, Tk: 8, D: 4 }, // not causal, head width below one vector
  { B: 6, H: 4, Tq: 10, Tk: 10, D: 32, causal: true, pad: true, p: 0.1 },
  { B: 4, H: 2, Tq: 45, Tk: 45, D: 40, causal: true, pad: true, p: 0.1 }, // the model's length; width not a multiple of 16
];

for (const c of cases) {
  test(`fused attention equals the unfused ops: ${JSON.stringify(c)}`, () => {
    const ref = run(c, false);
    const got = run(c, true);
    ['out', 'dq', 'dk', 'dv'].forEach((name, i) => {
      const a = ref[i]!, b = got[i]!;
      let err = 0, scale = 0;
      for (let j = 0; j < a.length; j++) {
        err = Math.max(err, Math.abs(a[j]! - b[j]!));
        scale = Math.max(scale, Math.abs(a[j]!));
      }
      assert.ok(scale > 0, `${name} is all zero`);
      assert.ok(err / scale < 2e-6, `${name}: max error ${err} against max ${scale}`);
    });
  });
}

test('fused attention: a row is computed alike whatever qLen is (KV-cached decoding gives the same bits)', () => {
  torch.manualSeed(0);
  const q = torch.randn([2, 3, 12, 32]);
  const k = torch.randn([2, 3, 12, 32]);
  const v = torch.randn([2, 3, 12, 32]);
  const full = F.scaledDotProductAttention(q, k, v, { causal: true });
  const tail = F.scaledDotProductAttention(q.narrow(2, 9, 3), k, v, { causal: true });
  assert.deepEqual(Array.from(tail.toFloat32Array()), Array.from(full.narrow(2, 9, 3).contiguous().toFloat32Array()));
});

test('fused attention: the same seed draws the same dropout mask as the unfused path', () => {
  torch.manualSeed(0);
  const q = torch.randn([2, 2, 6, 16]);
  torch.manualSeed(5);
  const a = F.scaledDotProductAttention(q, q, q, { causal: true, dropout: 0.5, training: true, fused: false });
  torch.manualSeed(5);
  const b = F.scaledDotProductAttention(q, q, q, { causal: true, dropout: 0.5, training: true, fused: true });
  const x = a.toFloat32Array(), y = b.toFloat32Array();
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i]! - y[i]!) <= 1e-5 * (1 + Math.abs(x[i]!)), `element ${i}: ${x[i]} vs ${y[i]}`);
});

test('float32 attention on the CPU runs the fused kernel by default, and fused: false the unfused ops', () => {
  torch.manualSeed(0);
  const q = torch.randn([3, 2, 9, 16]);
  const pad = torch.tensor([[true, false, false, false, false, false, false, false, false], [false, false, false, false, false, false, false, false, false], [true, true, false, false, false, false, false, false, false]]);
  const bits = (fn: () => torch.Tensor): number[] => {
    torch.manualSeed(9);
    return Array.from(fn().toFloat32Array());
  };
  const direct = bits(() => wrap(native.fusedAttention(q.handle, q.handle, q.handle, pad.handle, true, 0.25, 0.2)));
  const byDefault = bits(() => F.scaledDotProductAttention(q, q, q, { causal: true, keyPaddingMask: pad, dropout: 0.2, training: true }));
  const unfused = bits(() => F.scaledDotProductAttention(q, q, q, { causal: true, keyPaddingMask: pad, dropout: 0.2, training: true, fused: false }));
  assert.deepEqual(byDefault, direct);
  // The two paths round differently (by about 1e-7), so equal bits would mean the kernel did not run.
  assert.notDeepEqual(unfused, direct);
});

test('fused attention refuses bad input with a clear error', () => {
  const q = torch.randn([2, 2, 4, 8]);
  assert.throws(() => F.scaledDotProductAttention(q, q.narrow(2, 0, 2), q.narrow(2, 0, 2), { causal: true }), /qLen <= kLen/);
  assert.throws(() => F.scaledDotProductAttention(q, q, q, { keyPaddingMask: torch.zeros([2, 3], { dtype: 'bool' }) }), /keyPaddingMask must be \[batch=2, kLen=4\]/);
  assert.throws(() => native.fusedAttention(q.handle, q.narrow(3, 0, 4).handle, q.handle, null, false, 1, 0), /fusedAttention\(\)/);
});
