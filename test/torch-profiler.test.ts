import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';

const { F } = torch;

test('the profiler times addon calls, operators (forward and backward linked), allocations', () => {
  const x = torch.keep(torch.randn([64, 256], { requiresGrad: true }));
  const w = torch.keep(torch.randn([512, 256], { requiresGrad: true }));
  const { result, report } = torch.profiler.profile(() =>
    torch.tidy(() => {
      const loss = F.gelu(F.linear(x, w)).sum();
      loss.backward();
      return loss.item();
    }),
  );
  assert.ok(Number.isFinite(result));
  assert.ok(report.totalMs > 0 && report.threadCpuMs > 0);
  assert.ok(report.nativeMs <= report.totalMs + 1e-6 && report.libtorchMs <= report.nativeMs + 1e-6, JSON.stringify(report, null, 1));
  const op = (context: string, name: string) => report.ops.find((o) => o.context === context && o.name === name);
  assert.equal(op('aten::linear', 'aten::mm')?.calls, 1);
  assert.equal(op('aten::gelu', 'aten::gelu')?.calls, 1);
  assert.equal(op('GeluBackward0 <- aten::gelu', 'aten::gelu_backward')?.calls, 1, 'a backward node names its forward operator');
  assert.equal(op('MmBackward0 <- aten::linear', 'aten::mm')?.calls, 2, 'input and weight gradients');
  const selfMs = report.ops.reduce((s, o) => s + o.selfMs, 0);
  assert.ok(selfMs <= report.libtorchMs + 1e-6, `self times ${selfMs} ms within libtorch's ${report.libtorchMs} ms`);
  for (const name of ['linear', 'gelu', 'sum', 'backward', 'item']) assert.equal(report.calls.find((c) => c.name === name)?.calls, 1, name);
  for (const c of report.calls) assert.ok(c.libtorchMs <= c.ms + 1e-6, `${c.name}: ${c.libtorchMs} > ${c.ms}`);
  assert.equal(report.allocation.timed, true);
  assert.ok(report.allocation.count >= 4 && report.allocation.bytes >= 64 * 512 * 4 * 2, JSON.stringify(report.allocation));
  assert.ok(report.allocation.frees > 0, 'the step frees its temporaries');
  assert.equal(report.eventsElsewhere, 0);
  torch.dispose([x, w]);
});

test('the profiler is off outside a profile, refuses to nest, and stops when the function throws', () => {
  torch.profiler.start({ clock: 'thread-cpu' });
  assert.throws(() => torch.profiler.start(), /already running/);
  const r = torch.profiler.stop();
  assert.equal(r.clock, 'thread-cpu');
  assert.throws(() => torch.profiler.stop(), /not running/);
  assert.throws(() => torch.profiler.profile(() => torch.tidy(() => torch.ones([2]).matmul(torch.ones([3])))), /size|shape|dimension/i);
  const { report } = torch.profiler.profile(() => torch.tidy(() => torch.ones([2]).add(1)));
  assert.equal(report.calls.find((c) => c.name === 'add')?.calls, 1, 'a new profile starts from zero');
  assert.equal(report.calls.find((c) => c.name === 'matmul'), undefined);
  // Tensors allocated while profiling are freed correctly after it.
  const kept = torch.profiler.profile(() => torch.keep(torch.randn([1000]))).result;
  assert.equal(kept.numel(), 1000);
  kept.dispose();
});
