import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';

const { F } = torch;
type Tensor = torch.Tensor;

const f64 = { dtype: 'float64' as const };
/** Deterministic float64 values in [lo, hi) shaped `shape`. */
function vals(shape: number[], lo = -1, hi = 1, seed = 1): Tensor {
  torch.manualSeed(seed);
  return torch.rand(shape, f64).mul(hi - lo).add(lo);
}
const idx = (data: number[], shape?: number[]): Tensor => torch.tensor(data, { dtype: 'int64', shape });

function check(name: string, fn: (xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const r = torch.testing.gradcheck(fn, inputs);
  assert.ok(r.ok, `${name}: gradient mismatch at input ${r.worst.input} element ${r.worst.element}: autograd ${r.worst.analytic}, finite differences ${r.worst.numeric}`);
}

test('gradcheck: elementwise arithmetic and activations (float64 central differences)', () => {
  torch.tidy(() => {
    const a = vals([2, 3], -1, 1, 1);
    const b = vals([2, 3], 0.5, 2, 2);
    const pos = vals([2, 3], 0.2, 2, 3);
    check('add', ([x, y]) => x!.add(y!, 0.7), [a, b]);
    check('add broadcast', ([x, y]) => x!.add(y!), [a, vals([3], -1, 1, 4)]);
    check('sub', ([x, y]) => x!.sub(y!), [a, b]);
    check('mul', ([x, y]) => x!.mul(y!), [a, b]);
    check('div', ([x, y]) => x!.div(y!), [a, b]);
    check('pow tensor', ([x, y]) => x!.pow(y!), [pos, b]);
    check('pow scalar', ([x]) => x!.pow(3), [a]);
    check('rpow', ([x]) => torch.pow(2, x!), [a]);
    check('neg', ([x]) => x!.neg(), [a]);
    check('abs', ([x]) => x!.abs(), [b]);
    check('exp', ([x]) => x!.exp(), [a]);
    check('log', ([x]) => x!.log(), [pos]);
    check('log1p', ([x]) => x!.log1p(), [pos]);
    check('expm1', ([x]) => x!.expm1(), [a]);
    check('sqrt', ([x]) => x!.sqrt(), [pos]);
    check('rsqrt', ([x]) => x!.rsqrt(), [pos]);
    check('square', ([x]) => x!.square(), [a]);
    check('reciprocal', ([x]) => x!.reciprocal(), [pos]);
    check('sin/cos', ([x]) => x!.sin().add(x!.cos()), [a]);
    check('tanh', ([x]) => x!.tanh(), [a]);
    check('atanh', ([x]) => x!.mul(0.5).atanh(), [a]);
    check('sigmoid', ([x]) => x!.sigmoid(), [a]);
    check('relu', ([x]) => x!.relu(), [b.sub(1.25)]);
    check('gelu', ([x]) => F.gelu(x!), [a]);
    check('gelu tanh', ([x]) => F.gelu(x!, 'tanh'), [a]);
    check('silu', ([x]) => F.silu(x!), [a]);
    check('mish', ([x]) => F.mish(x!), [a]);
    check('elu', ([x]) => F.elu(x!), [b.sub(1.25)]);
    check('leakyRelu', ([x]) => F.leakyRelu(x!, 0.1), [b.sub(1.25)]);
    check('softplus', ([x]) => F.softplus(x!, 2, 20), [a]);
    check('logSigmoid', ([x]) => F.logSigmoid(x!), [a]);
    check('erf', ([x]) => x!.erf(), [a]);
    check('atan2', ([x, y]) => x!.atan2(y!), [a, b]);
    check('maximum/minimum', ([x, y]) => x!.maximum(y!).add(x!.minimum(y!).mul(2)), [a, b]);
    check('clamp', ([x]) => x!.clamp(-0.5, 0.5), [torch.tensor([-0.9, -0.2, 0.1, 0.3, 0.7, 0.45], { ...f64, shape: [2, 3] })]);
    check('lerp', ([x, y]) => x!.lerp(y!, 0.3), [a, b]);
    check('maskedFill', ([x]) => x!.maskedFill(x!.gt(0), 0), [a]);
    check('where', ([x, y]) => torch.where(x!.gt(0), x!, y!), [a, b]);
  });
});

test('gradcheck: reductions', () => {
  torch.tidy(() => {
    const a = vals([3, 4], -1, 1, 5);
    const pos = vals([3, 4], 0.5, 1.5, 6);
    check('sum', ([x]) => x!.sum(), [a]);
    check('sum dims keepdim', ([x]) => x!.sum(1, true).mul(x!), [a]);
    check('mean', ([x]) => x!.mean([0, 1]), [a]);
    check('max dim', ([x]) => x!.max(1).values, [a]);
    check('min dim', ([x]) => x!.min(0).values, [a]);
    check('max all', ([x]) => x!.max(), [a]);
    check('amax', ([x]) => x!.amax(1), [a]);
    check('topk', ([x]) => x!.topk(2, 1).values, [a]);
    check('logsumexp', ([x]) => x!.logsumexp(1), [a]);
    check('std', ([x]) => x!.std(1), [a]);
    check('var', ([x]) => x!.var(0, false), [a]);
    check('norm', ([x]) => x!.norm(2, 1), [a]);
    check('prod', ([x]) => x!.prod(1), [pos]);
    check('cumsum', ([x]) => x!.cumsum(1), [a]);
    check('cumprod', ([x]) => x!.cumprod(1), [pos]);
    check('amin', ([x]) => x!.amin([0, 1]), [a]);
    check('sort', ([x]) => x!.sort(1, true).values, [a]);
    check('clamp with tensor bounds', ([x, lo]) => x!.clamp(lo!, 0.8), [a, vals([4], -0.5, 0, 60)]);
  });
});

test('gradcheck: shape and indexing ops', () => {
  torch.tidy(() => {
    const a = vals([2, 3, 4], -1, 1, 7);
    const b = vals([2, 3, 4], -1, 1, 8);
    check('reshape/view', ([x]) => x!.reshape(6, 4).view(4, 6), [a]);
    check('transpose/permute', ([x]) => x!.transpose(0, 2).permute(1, 0, 2).contiguous(), [a]);
    check('narrow/slice/select', ([x]) => x!.narrow(2, 1, 2).slice(1, 0, undefined, 2).select(0, 1), [a]);
    check('indexSelect', ([x]) => x!.indexSelect(2, idx([3, 0, 3])), [a]);
    check('index', ([x]) => x!.index([idx([1, 1, 0])]), [a]);
    check('gather', ([x]) => x!.gather(2, idx([0, 1, 2, 3, 3, 2, 1, 0, 0, 0, 1, 1, 2, 2, 3, 3, 1, 2, 3, 0, 3, 3, 0, 0], [2, 3, 4])), [a]);
    check('scatter', ([x, y]) => x!.scatter(2, idx([0, 2, 1, 3, 2, 0], [2, 3, 1]), y!.narrow(2, 0, 1)), [a, b]);
    check('scatterAdd', ([x, y]) => x!.scatterAdd(2, idx([0, 0, 1, 1, 2, 2], [2, 3, 1]), y!.narrow(2, 0, 1)), [a, b]);
    check('indexPut', ([x, y]) => x!.indexPut([idx([1])], y!.select(0, 0).unsqueeze(0)), [a, b]);
    check('cat', ([x, y]) => torch.cat([x!, y!], 1), [a, b]);
    check('stack', ([x, y]) => torch.stack([x!, y!], 3), [a, b]);
    check('split/chunk', ([x]) => { const [p, q] = x!.split([1, 3], 2); const [r] = x!.chunk(2, 1); return p!.sum().add(q!.mul(2).sum()).add(r!.pow(2).sum()); }, [a]);
    check('unbind', ([x]) => x!.unbind(1)[2]!, [a]);
    check('expand', ([x]) => x!.narrow(1, 0, 1).expand(2, 5, 4), [a]);
    check('repeat', ([x]) => x!.repeat(1, 2, 1), [a]);
    check('squeeze/unsqueeze', ([x]) => x!.unsqueeze(1).narrow(3, 0, 1).squeeze(3), [a]);
    check('flatten/flip/roll', ([x]) => x!.flatten(1).flip(1).roll(2, 1), [a]);
    check('triu/tril', ([x]) => x!.triu(1).add(x!.tril(-1).mul(3)), [a]);
    check('pad', ([x]) => F.pad(x!, [1, 2], 0.5), [a]);
    check('maskedSelect', ([x]) => x!.maskedSelect(x!.gt(0)), [a]);
  });
});

test('gradcheck: linear algebra, normalisation, losses, embedding, dropout', () => {
  torch.tidy(() => {
    const x = vals([3, 4], -1, 1, 9);
    const w = vals([5, 4], -1, 1, 10);
    const bias = vals([5], -1, 1, 11);
    check('matmul', ([p, q]) => p!.matmul(q!.t()), [x, w]);
    check('matmul batched broadcast', ([p, q]) => p!.reshape(1, 3, 4).expand(2, 3, 4).matmul(q!.t()), [x, w]);
    check('mm', ([p, q]) => p!.mm(q!.t()), [x, w]);
    check('bmm', ([p, q]) => p!.bmm(q!), [vals([2, 3, 4], -1, 1, 12), vals([2, 4, 2], -1, 1, 13)]);
    check('einsum', ([p, q]) => torch.einsum('ij,kj->ik', p!, q!), [x, w]);
    check('outer', ([p, q]) => torch.outer(p!, q!), [bias, vals([3], -1, 1, 61)]);
    check('repeatInterleave', ([p]) => p!.repeatInterleave(2, 1), [x]);
    check('linear', ([p, q, r]) => F.linear(p!, q!, r!), [x, w, bias]);
    check('softmax', ([p]) => p!.softmax(1), [x]);
    check('logSoftmax', ([p]) => p!.logSoftmax(0), [x]);
    check('layerNorm', ([p, g, b]) => F.layerNorm(p!, [4], g!, b!), [x, vals([4], 0.5, 1.5, 14), vals([4], -1, 1, 15)]);
    check('normalize', ([p]) => F.normalize(p!, 2, 1), [x]);
    check('cosineSimilarity', ([p, q]) => F.cosineSimilarity(p!, q!, 1), [x, vals([3, 4], -1, 1, 16)]);
    const target = idx([1, 4, -100]);
    check('crossEntropy (ignored target)', ([p]) => F.crossEntropy(p!, target), [vals([3, 5], -2, 2, 17)]);
    check('crossEntropy label smoothing, weights', ([p]) => F.crossEntropy(p!, idx([0, 2, 3]), { labelSmoothing: 0.1, weight: torch.tensor([1, 2, 1, 0.5, 1], f64) }), [vals([3, 5], -2, 2, 18)]);
    check('nllLoss', ([p]) => F.nllLoss(p!.logSoftmax(1), idx([0, 1, 2])), [vals([3, 5], -2, 2, 19)]);
    check('mseLoss', ([p, q]) => F.mseLoss(p!, q!), [x, vals([3, 4], -1, 1, 20)]);
    check('l1Loss', ([p, q]) => F.l1Loss(p!, q!, 'sum'), [x, vals([3, 4], 2, 3, 21)]);
    check('smoothL1Loss', ([p, q]) => F.smoothL1Loss(p!, q!, 'mean', 0.5), [x, vals([3, 4], -1, 1, 22)]);
    check('huberLoss', ([p, q]) => F.huberLoss(p!, q!, 'mean', 0.5), [x, vals([3, 4], -1, 1, 23)]);
    check('bceWithLogits', ([p]) => F.binaryCrossEntropyWithLogits(p!, vals([3, 4], 0, 1, 24)), [x]);
    check('bce', ([p]) => F.binaryCrossEntropy(p!.sigmoid(), vals([3, 4], 0, 1, 25)), [x]);
    check('embedding', ([e]) => F.embedding(idx([2, 0, 2, 1], [2, 2]), e!), [vals([3, 4], -1, 1, 26)]);
    check('dropout (fixed mask)', ([p]) => {
      torch.manualSeed(99);
      return F.dropout(p!, 0.3, true);
    }, [x]);
  });
});

test('gradcheck: masked multi-head attention (causal, key padding, KV-cache offset)', () => {
  torch.tidy(() => {
    const q = vals([2, 2, 3, 4], -1, 1, 30);
    const k = vals([2, 2, 5, 4], -1, 1, 31);
    const v = vals([2, 2, 5, 4], -1, 1, 32);
    const pad = torch.tensor([[false, false, false, true, true], [false, false, false, false, false]]);
    check('scaledDotProductAttention', ([a, b, c]) => F.scaledDotProductAttention(a!, b!, c!, { causal: true, keyPaddingMask: pad }), [q, k, v]);
    const x = vals([2, 4, 6], -1, 1, 33);
    check('multiHeadAttention', ([a]) => F.multiHeadAttention(a!, a!.mul(0.5), a!.flip(2), { numHeads: 3, causal: true }), [x]);
  });
});

test('gradcheck detects a wrong gradient (it can fail)', () => {
  torch.tidy(() => {
    // A custom "function" whose autograd gradient is deliberately wrong: x.detach() * x has d/dx = x, not 2x.
    const r = torch.testing.gradcheck(([x]) => x!.detach().mul(x!), [vals([4], 0.5, 1, 40)]);
    assert.equal(r.ok, false);
  });
});

test('backward, grad accumulation, detach, noGrad, enableGrad, inferenceMode, autograd.grad', () => {
  torch.tidy(() => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    assert.equal(x.requiresGrad, true);
    assert.equal(x.isLeaf, true);
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
    x.mul(3).sum().backward(); // accumulates
    assert.deepEqual(x.grad!.toArray(), [5, 7, 9]);
    x.grad = null;
    assert.equal(x.grad, null);
    const y = x.mul(2);
    assert.equal(y.requiresGrad, true);
    assert.equal(y.isLeaf, false);
    assert.equal(y.detach().requiresGrad, false);
    const z = torch.noGrad(() => x.mul(2));
    assert.equal(z.requiresGrad, false);
    assert.equal(torch.isGradEnabled(), true);
    torch.noGrad(() => {
      assert.equal(torch.isGradEnabled(), false);
      assert.equal(torch.enableGrad(() => x.mul(2)).requiresGrad, true);
    });
    const inf = torch.inferenceMode(() => x.mul(2));
    assert.equal(inf.requiresGrad, false);
    assert.deepEqual(inf.toArray(), [2, 4, 6]);
    // A causal mask first built (and cached) inside inference mode still works for training later.
    const q = torch.randn([1, 1, 7, 2]);
    torch.inferenceMode(() => F.scaledDotProductAttention(q, q, q, { causal: true }));
    const qg = q.clone().requiresGrad_();
    F.scaledDotProductAttention(qg, qg, qg, { causal: true }).sum().backward();
    assert.deepEqual(qg.grad!.shape, [1, 1, 7, 2]);
    assert.throws(() => torch.noGrad(() => { throw new Error('inside'); }), /inside/);
    assert.equal(torch.isGradEnabled(), true, 'grad mode restored after a throw');
    const [gx] = torch.grad(x.pow(3).sum(), [x]);
    assert.deepEqual(gx!.toArray(), [3, 12, 27]);
    // Backward through a graph twice needs retainGraph.
    const s = x.exp().sum();
    s.backward(undefined, { retainGraph: true });
    s.backward();
    assert.throws(() => s.backward(), /backward through the graph a second time/);
    // Non-scalar backward needs a gradient.
    assert.throws(() => x.mul(2).backward(), /grad can be implicitly created only for scalar outputs/);
    x.grad = null;
    x.mul(2).backward(torch.tensor([1, 0, 1]));
    assert.deepEqual(x.grad!.toArray(), [2, 0, 2]);
  });
});

test('clipGradNorm_ scales gradients to the max norm and returns the total norm', () => {
  torch.tidy(() => {
    const a = torch.tensor([3, 0], { requiresGrad: true });
    const b = torch.tensor([0, 4], { requiresGrad: true });
    a.grad = torch.tensor([3, 0]);
    b.grad = torch.tensor([0, 4]);
    const total = torch.clipGradNorm_([a, b], 1);
    assert.ok(Math.abs(total - 5) < 1e-6);
    const coef = 1 / (5 + 1e-6);
    assert.ok(Math.abs(a.grad!.toArray()[0]! - 3 * coef) < 1e-6);
    assert.ok(Math.abs(b.grad!.toArray()[1]! - 4 * coef) < 1e-6);
    // Below the max norm nothing changes.
    const n2 = torch.clipGradNorm_([a, b], 10);
    assert.ok(Math.abs(n2 - 1) < 1e-5);
    assert.ok(Math.abs(a.grad!.toArray()[0]! - 3 * coef) < 1e-6);
    const inf = torch.clipGradNorm_([a, b], 100, Infinity);
    assert.ok(Math.abs(inf - 4 * coef) < 1e-6);
  });
});
