import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';

const { nn, optim, F } = torch;
const here = path.dirname(fileURLToPath(import.meta.url));

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-ckpt-'));
}

test('safetensors round trip for every dtype, with metadata', () => {
  const dir = tmpdir();
  try {
    const file = path.join(dir, 'a.safetensors');
    const tensors = {
      f32: torch.tensor([[1.5, -2], [3, 4]]),
      f64: torch.tensor(new Float64Array([Math.PI, -1e-300])),
      i64: torch.tensor(new BigInt64Array([9007199254740993n, -5n])),
      b: torch.tensor([true, false, true]),
      scalar: torch.tensor(7),
      empty: torch.zeros([0, 4]),
      half: torch.tensor([0.5, 2]).to('float16'),
    };
    torch.saveSafetensors(file, tensors, { step: '12' });
    const loaded = torch.loadSafetensors(file);
    assert.equal(loaded.metadata.step, '12');
    assert.equal(loaded.metadata.format, 'pt');
    for (const [k, t] of Object.entries(tensors)) {
      const u = loaded.tensors[k]!;
      assert.equal(u.dtype, t.dtype, k);
      assert.deepEqual(u.shape, t.shape, k);
      assert.ok(u.equal(t), k);
    }
    assert.deepEqual(fs.readdirSync(dir), ['a.safetensors'], 'no temporary files left behind');
    // Header length is 8-byte aligned, data follows little-endian.
    const raw = fs.readFileSync(file);
    assert.equal(Number(raw.readBigUInt64LE(0)) % 8, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('PyTorch reads our safetensors files and we read files written by Python', () => {
  torch.testing.findTorchPython();
  const dir = tmpdir();
  try {
    const ours = path.join(dir, 'ours.safetensors');
    const theirs = path.join(dir, 'theirs.safetensors');
    const expectedFile = path.join(dir, 'expected.json');
    const values = {
      weight: { t: torch.tensor([[0.25, -1.5, 3], [4, 5, 6e-8]]), dtype: 'float32' },
      ids: { t: torch.tensor([3, -1, 123456789012], { dtype: 'int64' }), dtype: 'int64' },
      mask: { t: torch.tensor([[true], [false]]), dtype: 'bool' },
      step: { t: torch.tensor(new Float64Array([0.1])), dtype: 'float64' },
    };
    const expected: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) expected[k] = { dtype: v.dtype, shape: v.t.shape, values: v.t.dtype === 'bool' ? v.t.toBoolArray() : v.t.toArray() };
    torch.saveSafetensors(ours, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.t])));
    fs.writeFileSync(expectedFile, JSON.stringify(expected));
    const out = torch.testing.runPython(path.join(here, 'reference', 'safetensors_check.py'), [ours, expectedFile, theirs]);
    assert.match(out, /^ok/);
    const back = torch.loadSafetensors(theirs);
    assert.equal(back.metadata.writer, 'python');
    assert.deepEqual(back.tensors.w!.tolist(), [[0, 0.25, 0.5], [0.75, 1, 1.25]]);
    assert.deepEqual(back.tensors.ids!.toArray(), [1, -2]);
    assert.equal(back.tensors.ids!.dtype, 'int64');
    assert.deepEqual(back.tensors.flags!.toBoolArray(), [true, false]);
    assert.equal(back.tensors.half!.dtype, 'float16');
    assert.deepEqual(back.tensors.half!.toArray(), [1.5, -2]);
    assert.deepEqual(back.tensors.empty!.shape, [0, 3]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('missing, truncated and malformed files fail with the file named', () => {
  const dir = tmpdir();
  try {
    const missing = path.join(dir, 'nope.safetensors');
    assert.throws(() => torch.loadSafetensors(missing), (e: Error) => e.message.includes(missing) && /no such file/.test(e.message));
    const good = path.join(dir, 'good.safetensors');
    torch.saveSafetensors(good, { a: torch.randn([64]), b: torch.randn([8, 8]) });
    const bytes = fs.readFileSync(good);
    const cut = path.join(dir, 'cut.safetensors');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    assert.throws(() => torch.loadSafetensors(cut), (e: Error) => e.message.startsWith(cut) && /truncated safetensors file: tensor 'b'/.test(e.message));
    const headerCut = path.join(dir, 'header-cut.safetensors');
    fs.writeFileSync(headerCut, bytes.subarray(0, 20));
    assert.throws(() => torch.loadSafetensors(headerCut), (e: Error) => e.message.startsWith(headerCut) && /truncated/.test(e.message));
    const tiny = path.join(dir, 'tiny.safetensors');
    fs.writeFileSync(tiny, Buffer.from([1, 2, 3]));
    assert.throws(() => torch.loadSafetensors(tiny), new RegExp(`${tiny}: truncated safetensors file \\(3 bytes`));
    const garbage = path.join(dir, 'garbage.safetensors');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(5n);
    fs.writeFileSync(garbage, Buffer.concat([len, Buffer.from('{oops')]));
    assert.throws(() => torch.loadSafetensors(garbage), (e: Error) => e.message.startsWith(garbage) && /malformed safetensors header/.test(e.message));
    const badDtype = path.join(dir, 'dtype.safetensors');
    const header = Buffer.from(JSON.stringify({ x: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }));
    len.writeBigUInt64LE(BigInt(header.length));
    fs.writeFileSync(badDtype, Buffer.concat([len, header, Buffer.alloc(8)]));
    assert.throws(() => torch.loadSafetensors(badDtype), /dtype\.safetensors: tensor 'x' has unsupported dtype C64/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

class Small extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  ln = new nn.LayerNorm(8);
  fc2 = new nn.Linear(8, 1);
  forward(x: torch.Tensor): torch.Tensor {
    return this.fc2.forward(this.ln.forward(this.fc1.forward(x)).relu());
  }
}

test('checkpoint folder: model + optimizer + scheduler + meta; resuming continues the same run', () => {
  const dir = tmpdir();
  try {
    torch.manualSeed(0);
    const x = torch.randn([16, 4]);
    const y = x.sum(1, true).sin();
    const make = (): { model: Small; opt: torch.optim.AdamW; sched: torch.optim.LambdaLR } => {
      torch.manualSeed(1);
      const model = new Small();
      const opt = new optim.AdamW(model.parameters(), { lr: 0.01 });
      return { model, opt, sched: new optim.LambdaLR(opt, optim.linearWarmup(5)) };
    };
    const run = (r: ReturnType<typeof make>, steps: number): void => {
      for (let i = 0; i < steps; i++) {
        torch.tidy(() => {
          r.opt.zeroGrad();
          F.mseLoss(r.model.forward(x), y).backward();
          r.opt.step();
          r.sched.step();
        });
      }
    };
    const straight = make();
    run(straight, 8);

    const first = make();
    run(first, 4);
    const ckpt = path.join(dir, 'step-4');
    torch.saveCheckpoint(ckpt, { model: first.model, optimizer: first.opt, scheduler: first.sched, meta: { step: 4, config: { hidden: 8 } } });
    assert.deepEqual(fs.readdirSync(ckpt).sort(), ['checkpoint.json', 'model.safetensors', 'optimizer.safetensors']);
    // The model file is a plain state dict.
    assert.deepEqual(Object.keys(torch.loadSafetensors(path.join(ckpt, 'model.safetensors')).tensors), Object.keys(first.model.stateDict()));

    const resumed = make();
    const meta = torch.loadCheckpoint(ckpt, { model: resumed.model, optimizer: resumed.opt, scheduler: resumed.sched });
    assert.deepEqual(meta, { step: 4, config: { hidden: 8 } });
    run(resumed, 4);
    for (const [name, p] of straight.model.namedParameters()) assert.ok(p.equal(resumed.model.stateDict()[name]!), `${name} identical after resuming`);

    // A model of another shape names the offending keys and the file.
    class Wider extends Small {
      override fc1 = new nn.Linear(4, 9);
    }
    assert.throws(
      () => torch.loadCheckpoint(ckpt, { model: new Wider() }),
      (e: Error) => e.message.includes(path.join(ckpt, 'model.safetensors')) && /shape mismatch for fc1\.weight: checkpoint \[8, 4\] vs model \[9, 4\]; fc1\.bias/.test(e.message),
    );
    assert.throws(() => torch.loadCheckpoint(path.join(dir, 'absent'), { model: resumed.model }), /absent\/checkpoint\.json: no such file/);
    fs.writeFileSync(path.join(ckpt, 'model.safetensors'), fs.readFileSync(path.join(ckpt, 'model.safetensors')).subarray(0, 100));
    assert.throws(() => torch.loadCheckpoint(ckpt, { model: resumed.model }), /step-4\/model\.safetensors: truncated/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
