import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';

const { nn, F } = torch;
type Tensor = torch.Tensor;

class Attn extends nn.Module {
  c_attn = new nn.Linear(4, 12);
  c_proj = new nn.Linear(4, 4);
}
class Block extends nn.Module {
  ln_1 = new nn.LayerNorm(4);
  attn = new Attn();
  drop = new nn.Dropout(0.5);
}
class Net extends nn.Module {
  wte = new nn.Embedding(10, 4);
  blocks = [new Block(), new Block()];
  head = new nn.Linear(4, 2, { bias: false });
  scale = new nn.Parameter(torch.ones([1]));
  _cache: Tensor | null = null; // fields starting with '_' are not walked
  constructor() {
    super();
    this.registerBuffer('mask', torch.ones([3], { dtype: 'bool' }));
    this.registerBuffer('scratch', torch.zeros([2]), false);
  }
  forward(idx: Tensor): Tensor {
    let x = this.wte.forward(idx);
    for (const b of this.blocks) x = b.drop.forward(b.attn.c_proj.forward(b.ln_1.forward(x)));
    return this.head.forward(x).mul(this.scale);
  }
}

test('named parameters follow PyTorch naming and order', () => {
  const net = new Net();
  const names = Array.from(net.namedParameters(), ([n]) => n);
  assert.deepEqual(names, [
    'scale',
    'wte.weight',
    'blocks.0.ln_1.weight',
    'blocks.0.ln_1.bias',
    'blocks.0.attn.c_attn.weight',
    'blocks.0.attn.c_attn.bias',
    'blocks.0.attn.c_proj.weight',
    'blocks.0.attn.c_proj.bias',
    'blocks.1.ln_1.weight',
    'blocks.1.ln_1.bias',
    'blocks.1.attn.c_attn.weight',
    'blocks.1.attn.c_attn.bias',
    'blocks.1.attn.c_proj.weight',
    'blocks.1.attn.c_proj.bias',
    'head.weight',
  ]);
  assert.deepEqual(
    Array.from(net.namedModules(), ([n]) => n),
    ['', 'wte', 'blocks.0', 'blocks.0.ln_1', 'blocks.0.attn', 'blocks.0.attn.c_attn', 'blocks.0.attn.c_proj', 'blocks.0.drop', 'blocks.1', 'blocks.1.ln_1', 'blocks.1.attn', 'blocks.1.attn.c_attn', 'blocks.1.attn.c_proj', 'blocks.1.drop', 'head'],
  );
  assert.deepEqual(Object.keys(net.stateDict()).slice(-1), ['mask'], 'persistent buffers are in the state dict, others not');
  assert.equal(net.numParameters(), 1 + 40 + 2 * (8 + 60 + 20) + 8);
  assert.deepEqual(Array.from(new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1)).namedParameters(), ([n]) => n), ['0.weight', '0.bias', '2.weight', '2.bias']);
  net.dispose();
});

test('train/eval mode reaches every submodule and switches dropout', () => {
  const net = new Net();
  assert.equal(net.blocks[1]!.drop.training, true);
  net.eval();
  assert.equal(net.blocks[1]!.drop.training, false);
  const idx = torch.tensor([[1, 2, 3]], { dtype: 'int64' });
  assert.ok(net.forward(idx).equal(net.forward(idx)), 'eval is deterministic');
  net.train();
  assert.equal(net.blocks[0]!.drop.training, true);
  net.dispose();
});

test('freezing by name pattern stops gradients; unfreeze restores', () => {
  const net = new Net();
  const frozen = net.freeze('blocks.*.attn.*');
  assert.equal(frozen.length, 8);
  assert.deepEqual(net.freeze(/^wte\./), ['wte.weight']);
  const trainable = Array.from(net.namedParameters()).filter(([, p]) => p.requiresGrad).map(([n]) => n);
  assert.deepEqual(trainable, ['scale', 'blocks.0.ln_1.weight', 'blocks.0.ln_1.bias', 'blocks.1.ln_1.weight', 'blocks.1.ln_1.bias', 'head.weight']);
  torch.tidy(() => net.forward(torch.tensor([[1, 2]], { dtype: 'int64' })).sum().backward());
  torch.tidy(() => {
    assert.equal(net.blocks[0]!.attn.c_proj.weight.grad, null);
    assert.notEqual(net.head.weight.grad, null);
  });
  assert.equal(net.unfreeze('*').length, 15);
  assert.equal(net.numParameters(true), net.numParameters());
  net.dispose();
});

test('stateDict / loadStateDict copy values; mismatches list the keys', () => {
  torch.manualSeed(1);
  const a = new Net();
  torch.manualSeed(2);
  const b = new Net();
  assert.ok(!a.head.weight.equal(b.head.weight));
  b.loadStateDict(a.stateDict());
  for (const [name, p] of a.namedParameters()) assert.ok(p.equal(b.stateDict()[name]!), name);
  assert.notEqual(a.head.weight, b.head.weight, 'values are copied, not shared');

  const sd = { ...a.stateDict() };
  delete sd['head.weight'];
  sd['extra.bias'] = torch.zeros([1]);
  sd['wte.weight'] = torch.zeros([11, 4]);
  assert.throws(() => b.loadStateDict(sd, { source: 'ckpt/model.safetensors' }), (err: Error) => {
    assert.match(err.message, /ckpt\/model\.safetensors/);
    assert.match(err.message, /shape mismatch for wte\.weight: checkpoint \[11, 4\] vs model \[10, 4\]/);
    assert.match(err.message, /missing keys: head\.weight/);
    assert.match(err.message, /unexpected keys: extra\.bias/);
    return true;
  });
  delete sd['wte.weight'];
  const r = b.loadStateDict(sd, { strict: false });
  assert.deepEqual(r, { missing: ['wte.weight', 'head.weight'], unexpected: ['extra.bias'] });
  a.dispose();
  b.dispose();
});

test('Linear, Embedding, LayerNorm, Dropout layers', () => {
  torch.manualSeed(0);
  const lin = new nn.Linear(3, 2);
  // PyTorch with torch.manual_seed(0): nn.Linear(3, 2).weight[0] = [-0.0043, 0.3097, -0.4752]
  const w0 = (lin.weight.tolist() as number[][])[0]!;
  [-0.0043, 0.3097, -0.4752].forEach((v, i) => assert.ok(Math.abs(w0[i]! - v) < 1e-4, `weight ${w0}`));
  assert.ok(lin.weight.abs().max().item() <= 1 / Math.sqrt(3));
  const x = torch.randn([5, 3]);
  assert.ok(lin.forward(x).allclose(x.matmul(lin.weight.t()).add(lin.bias!), 1e-6, 1e-6));
  const emb = new nn.Embedding(6, 3, { paddingIdx: 0 });
  assert.deepEqual(emb.weight.select(0, 0).toArray(), [0, 0, 0]);
  assert.deepEqual(emb.forward(torch.tensor([[5]], { dtype: 'int64' })).shape, [1, 1, 3]);
  const ln = new nn.LayerNorm(3);
  const y = ln.forward(x);
  assert.ok(y.mean(-1).abs().max().item() < 1e-6);
  const drop = new nn.Dropout(0.9);
  drop.eval();
  assert.ok(drop.forward(x).equal(x));
  assert.throws(() => lin.forward(torch.zeros([2, 4])), /cannot be multiplied \(2x4 and 3x2\)/);
});

test('module.to casts parameters in place (same Parameter objects)', () => {
  const lin = new nn.Linear(2, 2);
  const w = lin.weight;
  lin.to('float64');
  assert.equal(lin.weight, w);
  assert.equal(lin.weight.dtype, 'float64');
  assert.equal(lin.weight.requiresGrad, true);
  assert.equal(lin.forward(torch.ones([1, 2], { dtype: 'float64' })).dtype, 'float64');
  assert.throws(() => lin.forward(torch.ones([1, 2])), /dtype|type/i);
});

test('setSubmodule replaces a layer (how adapters are injected)', () => {
  const net = new Net();
  class Scaled extends nn.Module {
    constructor(readonly inner: torch.nn.Linear) {
      super();
    }
    forward(x: Tensor): Tensor {
      return this.inner.forward(x).mul(2);
    }
  }
  const old = net.blocks[0]!.attn.c_proj;
  net.setSubmodule('blocks.0.attn.c_proj', new Scaled(old) as unknown as torch.nn.Linear);
  assert.ok(Array.from(net.namedParameters(), ([n]) => n).includes('blocks.0.attn.c_proj.inner.weight'));
  assert.equal(net.getSubmodule('blocks.0.attn.c_proj.inner'), old);
  assert.throws(() => net.setSubmodule('blocks.5.attn', new nn.Identity()), /no submodule/);
  net.dispose();
});

test('F.embedding/crossEntropy training step reduces the loss (end-to-end)', () => {
  torch.manualSeed(0);
  const net = new Net();
  const opt = new torch.optim.Adam(net.parameters(), { lr: 0.05 });
  const idx = torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int64' });
  const target = torch.tensor([0, 1, 1, 0, 1, 0], { dtype: 'int64' });
  net.eval();
  const losses: number[] = [];
  for (let i = 0; i < 30; i++) {
    losses.push(
      torch.tidy(() => {
        opt.zeroGrad();
        const loss = F.crossEntropy(net.forward(idx).view(6, 2), target);
        loss.backward();
        opt.step();
        return loss.item();
      }),
    );
  }
  assert.ok(losses[29]! < losses[0]! * 0.5, `loss ${losses[0]} -> ${losses[29]}`);
  opt.dispose();
  net.dispose();
});
