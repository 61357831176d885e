import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';

const { F } = torch;

function close(actual: number[], expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs ${expected.length}`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol * (1 + Math.abs(expected[i]!)), `element ${i}: ${a} vs ${expected[i]}`));
}

test('creation from arrays and typed arrays, export back', () => {
  const a = torch.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(a.shape, [2, 3]);
  assert.equal(a.dtype, 'float32');
  assert.deepEqual(a.tolist(), [[1, 2, 3], [4, 5, 6]]);
  const d = torch.tensor(new Float64Array([0.1, 0.2]));
  assert.equal(d.dtype, 'float64');
  assert.deepEqual(Array.from(d.toFloat64Array()), [0.1, 0.2]);
  const i = torch.tensor(new BigInt64Array([3n, -1n, 9007199254740993n]));
  assert.equal(i.dtype, 'int64');
  assert.deepEqual(Array.from(i.toBigInt64Array()), [3n, -1n, 9007199254740993n]);
  const b = torch.tensor([true, false, true]);
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(b.toBoolArray(), [true, false, true]);
  const shaped = torch.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
  assert.deepEqual(shaped.tolist(), [[1, 2], [3, 4], [5, 6]]);
  assert.equal(torch.tensor(2.5).item(), 2.5);
  assert.deepEqual(torch.tensor(2.5).shape, []);
  assert.deepEqual(torch.tensor([1, 2], { dtype: 'int64' }).toArray(), [1, 2]);
  assert.throws(() => torch.tensor(new Float32Array(5), { shape: [2, 3] }), /5 elements but shape \[2, 3\] needs 6/);
  assert.throws(() => torch.tensor([[1, 2], [3]]), /ragged/);
});

test('factories: zeros/ones/full/arange/linspace/eye and dtype inference', () => {
  assert.deepEqual(torch.zeros([2, 2]).toArray(), [0, 0, 0, 0]);
  assert.deepEqual(torch.ones(3, { dtype: 'int64' }).toArray(), [1, 1, 1]);
  assert.deepEqual(torch.full([2], 7).toArray(), [7, 7]);
  const r = torch.arange(5);
  assert.equal(r.dtype, 'int64');
  assert.deepEqual(r.toArray(), [0, 1, 2, 3, 4]);
  assert.equal(torch.arange(0, 1, 0.25).dtype, 'float32');
  assert.deepEqual(torch.arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(torch.linspace(0, 1, 3).toArray(), [0, 0.5, 1]);
  assert.deepEqual(torch.eye(2).toArray(), [1, 0, 0, 1]);
  assert.equal(torch.randn([3, 4], { dtype: 'float64' }).dtype, 'float64');
  const u = torch.rand([1000]).toArray();
  assert.ok(u.every((v) => v >= 0 && v < 1));
  const ri = torch.randint(2, 5, [200]).toArray();
  assert.ok(ri.every((v) => v >= 2 && v < 5 && Number.isInteger(v)));
});

test('manualSeed makes random draws reproducible', () => {
  torch.manualSeed(123);
  const a = torch.randn([5]).toArray();
  const b = torch.rand([3]).toArray();
  torch.manualSeed(123);
  assert.deepEqual(torch.randn([5]).toArray(), a);
  assert.deepEqual(torch.rand([3]).toArray(), b);
  torch.manualSeed(124);
  assert.notDeepEqual(torch.randn([5]).toArray(), a);
});

test('elementwise arithmetic with tensors and numbers, broadcasting, comparisons', () => {
  const a = torch.tensor([1, 2, 3]);
  const b = torch.tensor([[10], [20]]);
  assert.deepEqual(a.add(b).tolist(), [[11, 12, 13], [21, 22, 23]]);
  assert.deepEqual(a.add(b, 2).tolist(), [[21, 22, 23], [41, 42, 43]]);
  assert.deepEqual(a.sub(1).toArray(), [0, 1, 2]);
  assert.deepEqual(a.mul(0.5).toArray(), [0.5, 1, 1.5]);
  assert.deepEqual(a.div(2).toArray(), [0.5, 1, 1.5]);
  assert.deepEqual(a.pow(2).toArray(), [1, 4, 9]);
  assert.deepEqual(torch.pow(2, a).toArray(), [2, 4, 8]);
  assert.deepEqual(a.neg().abs().toArray(), [1, 2, 3]);
  assert.deepEqual(a.maximum(2).toArray(), [2, 2, 3]);
  assert.deepEqual(a.minimum(torch.tensor([0, 5, 1])).toArray(), [0, 2, 1]);
  assert.deepEqual(a.gt(1.5).toBoolArray(), [false, true, true]);
  assert.deepEqual(a.eq(torch.tensor([1, 0, 3])).toBoolArray(), [true, false, true]);
  assert.deepEqual(a.clamp(1.5, 2.5).toArray(), [1.5, 2, 2.5]);
  assert.deepEqual(a.clamp(null, 2).toArray(), [1, 2, 2]);
  close(a.exp().log().toArray(), [1, 2, 3]);
  close(a.sqrt().toArray(), [1, Math.SQRT2, Math.sqrt(3)]);
  close(a.tanh().toArray(), [Math.tanh(1), Math.tanh(2), Math.tanh(3)]);
  close(a.sigmoid().toArray(), [1, 2, 3].map((x) => 1 / (1 + Math.exp(-x))));
  close(F.softplus(a).toArray(), [1, 2, 3].map((x) => Math.log1p(Math.exp(x))));
  close(F.logSigmoid(a).toArray(), [1, 2, 3].map((x) => -Math.log1p(Math.exp(-x))));
  close(F.silu(a).toArray(), [1, 2, 3].map((x) => x / (1 + Math.exp(-x))));
  close(F.gelu(a, 'tanh').toArray(), [1, 2, 3].map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))));
  assert.deepEqual(torch.tensor([-1.5, 0.5, 2.7]).floor().toArray(), [-2, 0, 2]);
  assert.deepEqual(torch.tensor([1.9, -1.9]).long().toArray(), [1, -1]);
  const ints = torch.tensor([1, 2], { dtype: 'int64' });
  assert.equal(ints.add(1).dtype, 'int64');
  assert.equal(ints.add(0.5).dtype, 'float32');
  assert.equal(a.to('float64').add(a).dtype, 'float64');
});

test('masked fill, where, finite checks', () => {
  const a = torch.tensor([1, 2, 3]);
  const m = torch.tensor([true, false, true]);
  assert.deepEqual(a.maskedFill(m, 0).toArray(), [0, 2, 0]);
  assert.deepEqual(torch.where(m, a, -1).toArray(), [1, -1, 3]);
  assert.deepEqual(torch.where(m, a, torch.tensor([7, 8, 9])).toArray(), [1, 8, 3]);
  const bad = torch.tensor([1, NaN, Infinity]);
  assert.equal(bad.hasNaN(), true);
  assert.equal(bad.allFinite(), false);
  assert.deepEqual(bad.isFinite().toBoolArray(), [true, false, false]);
  assert.equal(a.allFinite(), true);
});

test('reductions over dims', () => {
  const x = torch.tensor([[1, 5, 3], [4, 2, 6]]);
  assert.equal(x.sum().item(), 21);
  assert.deepEqual(x.sum(0).toArray(), [5, 7, 9]);
  assert.deepEqual(x.sum(1, true).shape, [2, 1]);
  assert.deepEqual(x.mean(1).toArray(), [3, 4]);
  assert.equal(x.max().item(), 6);
  const { values, indices } = x.max(1);
  assert.deepEqual(values.toArray(), [5, 6]);
  assert.deepEqual(indices.toArray(), [1, 2]);
  assert.deepEqual(x.min(0).values.toArray(), [1, 2, 3]);
  assert.deepEqual(x.argmax(1).toArray(), [1, 2]);
  assert.equal(x.argmax().item(), 5);
  const top = x.topk(2, 1);
  assert.deepEqual(top.values.tolist(), [[5, 3], [6, 4]]);
  assert.deepEqual(top.indices.tolist(), [[1, 2], [2, 0]]);
  close(x.logsumexp(1).toArray(), [Math.log(Math.exp(1) + Math.exp(5) + Math.exp(3)), Math.log(Math.exp(4) + Math.exp(2) + Math.exp(6))]);
  close([x.logsumexp().item()], [Math.log([1, 5, 3, 4, 2, 6].reduce((s, v) => s + Math.exp(v), 0))]);
  assert.deepEqual(x.amax([0, 1]).item(), 6);
  close([x.std().item()], [Math.sqrt(17.5 / 5)]);
  close([x.norm().item()], [Math.sqrt(91)]);
  assert.deepEqual(x.cumsum(1).tolist(), [[1, 6, 9], [4, 6, 12]]);
});

test('shape ops: reshape/view/transpose/permute/narrow/slice/cat/stack/split/expand/repeat', () => {
  const x = torch.arange(6).reshape(2, 3);
  assert.deepEqual(x.tolist(), [[0, 1, 2], [3, 4, 5]]);
  assert.deepEqual(x.view([3, 2]).tolist(), [[0, 1], [2, 3], [4, 5]]);
  assert.deepEqual(x.view(-1).shape, [6]);
  assert.deepEqual(x.transpose(0, 1).tolist(), [[0, 3], [1, 4], [2, 5]]);
  assert.deepEqual(x.t().contiguous().view(6).toArray(), [0, 3, 1, 4, 2, 5]);
  assert.deepEqual(torch.zeros([2, 3, 4]).permute(2, 0, 1).shape, [4, 2, 3]);
  assert.deepEqual(x.narrow(1, 1, 2).tolist(), [[1, 2], [4, 5]]);
  assert.deepEqual(x.slice(1, 0, undefined, 2).tolist(), [[0, 2], [3, 5]]);
  assert.deepEqual(x.slice(1, -1).tolist(), [[2], [5]]);
  assert.deepEqual(x.select(0, 1).toArray(), [3, 4, 5]);
  assert.deepEqual(torch.cat([x, x], 0).shape, [4, 3]);
  assert.deepEqual(torch.cat([x, x], 1).tolist(), [[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]);
  assert.deepEqual(torch.stack([x, x], 0).shape, [2, 2, 3]);
  const parts = x.split(1, 1);
  assert.equal(parts.length, 3);
  assert.deepEqual(parts[2]!.toArray(), [2, 5]);
  assert.deepEqual(x.split([1, 2], 1).map((p) => p.shape), [[2, 1], [2, 2]]);
  assert.deepEqual(torch.tensor([1, 2]).unsqueeze(1).expand(2, 3).tolist(), [[1, 1, 1], [2, 2, 2]]);
  assert.deepEqual(torch.tensor([1, 2]).repeat(2).toArray(), [1, 2, 1, 2]);
  assert.deepEqual(torch.zeros([1, 3, 1]).squeeze().shape, [3]);
  assert.deepEqual(torch.zeros([2, 3, 4]).flatten(1).shape, [2, 12]);
  assert.deepEqual(torch.ones([3, 3]).triu(1).toArray(), [0, 1, 1, 0, 0, 1, 0, 0, 0]);
  assert.throws(() => x.view([4, 2]), /shape '\[4, 2\]' is invalid for input of size 6/);
});

test('indexing: index_select, gather, scatter, advanced index, one-hot', () => {
  const x = torch.tensor([[10, 11, 12], [20, 21, 22], [30, 31, 32]]);
  const idx = torch.tensor([2, 0], { dtype: 'int64' });
  assert.deepEqual(x.indexSelect(0, idx).tolist(), [[30, 31, 32], [10, 11, 12]]);
  assert.deepEqual(x.index([idx]).tolist(), [[30, 31, 32], [10, 11, 12]]);
  const g = torch.tensor([[0], [2], [1]], { dtype: 'int64' });
  assert.deepEqual(x.gather(1, g).toArray(), [10, 22, 31]);
  assert.deepEqual(torch.zeros([2, 3]).scatter(1, torch.tensor([[1], [2]], { dtype: 'int64' }), 5).tolist(), [[0, 5, 0], [0, 0, 5]]);
  assert.deepEqual(
    torch.zeros([3]).scatterAdd(0, torch.tensor([0, 0, 2], { dtype: 'int64' }), torch.tensor([1, 2, 3])).toArray(),
    [3, 0, 3],
  );
  assert.deepEqual(x.maskedSelect(x.gt(25)).toArray(), [30, 31, 32]);
  assert.deepEqual(F.oneHot(torch.tensor([0, 2], { dtype: 'int64' }), 3).tolist(), [[1, 0, 0], [0, 0, 1]]);
  assert.throws(() => x.indexSelect(0, torch.tensor([5], { dtype: 'int64' })), /out of range/);
});

test('matmul, bmm, linear, softmax, layer norm, cosine similarity', () => {
  const a = torch.tensor([[1, 2], [3, 4]]);
  const b = torch.tensor([[5, 6], [7, 8]]);
  assert.deepEqual(a.matmul(b).tolist(), [[19, 22], [43, 50]]);
  assert.deepEqual(torch.stack([a, b]).bmm(torch.stack([b, a])).shape, [2, 2, 2]);
  assert.deepEqual(F.linear(a, b, torch.tensor([1, 1])).tolist(), [[18, 24], [40, 54]]);
  const s = torch.tensor([1, 2, 3]).softmax(0).toArray();
  const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
  close(s, [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z]);
  close(torch.tensor([1, 2, 3]).logSoftmax(0).toArray(), [1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z)]);
  const ln = F.layerNorm(torch.tensor([[1, 2, 3]]), [3]).toArray();
  const sd = Math.sqrt(2 / 3 + 1e-5);
  close(ln, [-1 / sd, 0, 1 / sd], 1e-5);
  close(F.cosineSimilarity(torch.tensor([[1, 0]]), torch.tensor([[1, 1]])).toArray(), [Math.SQRT1_2]);
  assert.throws(() => a.matmul(torch.zeros([3, 3])), /cannot be multiplied \(2x2 and 3x3\)/);
  assert.throws(() => a.add(torch.zeros([3])), /size of tensor a \(2\) must match the size of tensor b \(3\)/);
  assert.throws(() => a.matmul(b.double()), /expected .*(Float|Double)|type/i);
});

test('losses: cross entropy with ignored targets, mse', () => {
  const logits = torch.tensor([[2, 1, 0], [0, 0, 3], [1, 1, 1]]);
  const target = torch.tensor([0, 2, -100], { dtype: 'int64' });
  const ls = logits.logSoftmax(1).tolist() as number[][];
  const expected = -(ls[0]![0]! + ls[1]![2]!) / 2;
  close([F.crossEntropy(logits, target).item()], [expected]);
  const t2 = torch.tensor([0, 2, 1], { dtype: 'int64' });
  close([F.crossEntropy(logits, t2, { ignoreIndex: 1 }).item()], [expected]);
  close(F.crossEntropy(logits, t2, { reduction: 'none' }).toArray(), [-ls[0]![0]!, -ls[1]![2]!, -ls[2]![1]!]);
  close([F.mseLoss(torch.tensor([1, 2]), torch.tensor([2, 4])).item()], [2.5]);
  close([F.mseLoss(torch.tensor([1, 2]), torch.tensor([2, 4]), 'sum').item()], [5]);
  assert.throws(() => F.crossEntropy(logits, torch.tensor([0, 1, 2])), /expected scalar type Long|Float/);
});

test('dropout: identity in eval, scaled mask in training, seeded', () => {
  const x = torch.ones([1000]);
  assert.deepEqual(F.dropout(x, 0.5, false).toArray(), x.toArray());
  torch.manualSeed(1);
  const y = F.dropout(x, 0.25, true).toArray();
  const kept = y.filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6));
  assert.ok(Math.abs(kept.length / 1000 - 0.75) < 0.06);
  torch.manualSeed(1);
  assert.deepEqual(F.dropout(x, 0.25, true).toArray(), y);
});

test('embedding looks up rows', () => {
  const w = torch.tensor([[0, 0], [1, 1], [2, 2]]);
  assert.deepEqual(F.embedding(torch.tensor([[2, 0]], { dtype: 'int64' }), w).tolist(), [[[2, 2], [0, 0]]]);
  assert.throws(() => F.embedding(torch.tensor([3], { dtype: 'int64' }), w), /out of range/);
});

test('attention: causal offset for a KV cache, key padding, no NaN on fully masked rows', () => {
  torch.manualSeed(0);
  const q = torch.randn([2, 3, 6, 4]);
  const k = torch.randn([2, 3, 6, 4]);
  const v = torch.randn([2, 3, 6, 4]);
  const full = F.scaledDotProductAttention(q, k, v, { causal: true });
  // The last two queries against the full key/value cache equal the last two rows of the full pass.
  const tail = F.scaledDotProductAttention(q.narrow(2, 4, 2), k, v, { causal: true });
  close(tail.flatten().toArray(), full.narrow(2, 4, 2).flatten().toArray(), 1e-6);
  // Reference for one row: query 1 sees keys 0 and 1 only.
  const qa = q.select(0, 0).select(0, 0);
  const ka = k.select(0, 0).select(0, 0);
  const va = v.select(0, 0).select(0, 0);
  const scores = qa.narrow(0, 1, 1).matmul(ka.narrow(0, 0, 2).t()).mul(0.5).softmax(-1);
  close(full.select(0, 0).select(0, 0).select(0, 1).toArray(), scores.matmul(va.narrow(0, 0, 2)).flatten().toArray(), 1e-6);
  // Padding the last two keys of batch 0 equals attending over the first four keys only.
  const pad = torch.tensor([[false, false, false, false, true, true], [false, false, false, false, false, false]]);
  const padded = F.scaledDotProductAttention(q, k, v, { keyPaddingMask: pad });
  const short = F.scaledDotProductAttention(q.narrow(0, 0, 1), k.narrow(0, 0, 1).narrow(2, 0, 4), v.narrow(0, 0, 1).narrow(2, 0, 4));
  close(padded.narrow(0, 0, 1).flatten().toArray(), short.flatten().toArray(), 1e-6);
  // A row with every key masked stays finite.
  const allPad = torch.tensor([[true, true, true, true, true, true], [false, false, false, false, false, false]]);
  assert.equal(F.scaledDotProductAttention(q, k, v, { keyPaddingMask: allPad, causal: true }).allFinite(), true);
  // Multi-head wrapper on [B, T, C].
  const x = torch.randn([2, 5, 8]);
  const y = F.multiHeadAttention(x, x, x, { numHeads: 2, causal: true });
  assert.deepEqual(y.shape, [2, 5, 8]);
  assert.throws(() => F.scaledDotProductAttention(q, k.narrow(2, 0, 2), v.narrow(2, 0, 2), { causal: true }), /qLen <= kLen/);
});

test('use after dispose fails clearly', () => {
  const a = torch.ones([2]);
  a.dispose();
  assert.equal(a.isDisposed, true);
  assert.throws(() => a.add(1), /tensor used after dispose\(\)/);
  assert.throws(() => torch.ones([2]).add(a), /tensor used after dispose\(\)/);
  a.dispose(); // twice is harmless
});

test('thread settings: defaults from the core count, overridable by env and API', async () => {
  const os = await import('node:os');
  const { spawnSync } = await import('node:child_process');
  const cores = os.availableParallelism();
  const script = "import * as t from './src/torch/index.ts'; console.log(JSON.stringify([t.getNumThreads(), t.getBlasThreads()]));";
  const run = (env: Record<string, string>): number[] => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as number[];
  };
  const env = { L2M_THREADS: '', L2M_BLAS_THREADS: '', OPENBLAS_NUM_THREADS: '' };
  const [intra, blas] = run(env);
  assert.equal(intra, cores <= 2 ? 1 : cores);
  if (blas !== -1) assert.equal(blas, cores, 'BLAS threads = cores');
  const [intra2, blas2] = run({ ...env, L2M_THREADS: '3', L2M_BLAS_THREADS: '1' });
  assert.equal(intra2, 3);
  if (blas2 !== -1) assert.equal(blas2, 1);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, L2M_THREADS: 'many' } });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /L2M_THREADS must be a positive integer, got 'many'/);
  const before = torch.getNumThreads();
  torch.setNumThreads(2);
  assert.equal(torch.getNumThreads(), 2);
  torch.setNumThreads(before);
  assert.throws(() => torch.setNumThreads(0), /positive integer/);
});
