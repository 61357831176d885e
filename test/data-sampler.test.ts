// Training windows: semantics of the original's sampler, the 204-d layout, reproducibility, tokens vs PyTorch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { MINMAX_64 } from '../src/data/action-tokenizer.ts';

const ACTION_PAD_TOKEN = MINMAX_64.padToken;
const actionToken = (a: number): number => MINMAX_64.encode(a);
import { buildDataset, type Dataset } from '../src/data/dataset.ts';
import type { ObservationLayout } from '../src/data/layout.ts';
import { TrajectorySampler, type Batch } from '../src/data/sampler.ts';

/** A dataset whose state entries encode (task, row, dim) as task*1000 + row*10 + dim. */
function synthetic(id: number, task: string, domain: 'metaworld' | 'dmc', observation: ObservationLayout, obsDim: number, actDim: number, lengths: number[]): Dataset {
  const N = lengths.reduce((a, b) => a + b, 0);
  return buildDataset(
    { task, domain, observation, action: { dim: actDim, low: new Array(actDim).fill(-1), high: new Array(actDim).fill(1) }, collector: { kind: 'test', settings: {} }, seed: 0 },
    {
      states: Float32Array.from({ length: N * obsDim }, (_, i) => id * 1000 + Math.floor(i / obsDim) * 10 + (i % obsDim)),
      actions: Float32Array.from({ length: N * actDim }, (_, i) => (((Math.floor(i / actDim) * 7 + (i % actDim)) % 21) - 10) / 10),
      rewards: Float32Array.from({ length: N }, (_, i) => i + 1),
      terminals: new Uint8Array(N),
      timeouts: new Uint8Array(N),
      episodeLengths: Int32Array.from(lengths),
      episodeSeeds: new Float64Array(lengths.length),
    },
  );
}

const K = 3;
const A = synthetic(1, 'a-v2', 'metaworld', { kind: 'padded', dim: 3 }, 3, 2, [2, 6, 4]);
const B = synthetic(2, 'b-v2', 'metaworld', { kind: 'padded', dim: 3 }, 3, 1, [5]);
const C = synthetic(3, 'c-dmc', 'dmc', { kind: 'dmc-parts', parts: [{ name: 'position', size: 3 }, { name: 'velocity', size: 2 }] }, 5, 1, [4, 3]);
const datasets = [C, A, B];
// Where each stored observation dimension lands in the 204-d state.
const slots: Record<string, number[]> = { 'a-v2': [0, 1, 2], 'b-v2': [0, 1, 2], 'c-dmc': [41, 42, 43, 14, 15] };

function episodeOf(ds: Dataset, row: number): [number, number] {
  for (let e = 0; e + 1 < ds.episodeOffsets.length; e++) if (row < ds.episodeOffsets[e + 1]) return [ds.episodeOffsets[e], ds.episodeOffsets[e + 1]];
  throw new Error('row out of range');
}

/** Checks every window of a batch against its source rows; returns the start row of each window. */
function checkBatch(batch: Batch, sampler: TrajectorySampler): { task: string; start: number }[] {
  const starts: { task: string; start: number }[] = [];
  for (let b = 0; b < batch.batchSize; b++) {
    const task = sampler.tasks[batch.taskIds[b]];
    const ds = datasets.find((d) => d.meta.task === task)!;
    assert.equal(ds.meta.domain, batch.domain);
    const id = Number(ds.states[0]) / 1000;
    const last = (b * K + K - 1) * 204;
    const lastRow = (batch.states[last + slots[task][0]] - id * 1000) / 10;
    assert.ok(Number.isInteger(lastRow), `window ${b} has no real last step`);
    const [epStart, epEnd] = episodeOf(ds, lastRow);
    // Real steps form a suffix of the window (left padding).
    const mask = [...batch.attentionMask.subarray(b * K, b * K + K)];
    const real = mask.filter((m) => m === 1).length;
    assert.deepEqual(mask, [...new Array(K - real).fill(0), ...new Array(real).fill(1)]);
    const start = lastRow - real + 1;
    assert.ok(start >= epStart, 'a window stays within one episode');
    for (let k = K - 1; k >= 0; k--) {
      const pos = b * K + k;
      const row = lastRow - (K - 1 - k);
      const isReal = row >= start;
      const state = batch.states.subarray(pos * 204, pos * 204 + 204);
      const acts = batch.actions.subarray(pos * 6, pos * 6 + 6);
      const toks = batch.actionTokens.subarray(pos * 6, pos * 6 + 6);
      const amask = batch.actionMask.subarray(pos * 6, pos * 6 + 6);
      if (!isReal) {
        assert.equal(batch.attentionMask[pos], 0);
        assert.equal(batch.timesteps[pos], 0);
        assert.equal(batch.returnsToGo[pos], 0);
        assert.equal(batch.rewards[pos], 0);
        assert.ok(state.every((v) => v === 0));
        assert.ok(acts.every((v) => v === 0));
        assert.ok(toks.every((v) => v === ACTION_PAD_TOKEN));
        assert.ok(amask.every((v) => v === 0));
        continue;
      }
      assert.equal(batch.attentionMask[pos], 1);
      assert.equal(batch.timesteps[pos], row - epStart);
      const expected = new Float32Array(204);
      slots[task].forEach((slot, d) => (expected[slot] = ds.states[row * ds.obsDim + d]));
      assert.deepEqual(state, expected);
      for (let d = 0; d < 6; d++) {
        const a = d < ds.actDim ? ds.actions[row * ds.actDim + d] : 0;
        assert.equal(acts[d], a);
        assert.equal(toks[d], actionToken(a));
        assert.equal(amask[d], d < ds.actDim ? 1 : 0);
      }
      const scale = ds.meta.domain === 'metaworld' ? 200 : 100;
      let rtg = 0;
      for (let i = row; i < epEnd; i++) rtg += ds.rewards[i];
      assert.equal(batch.returnsToGo[pos], Math.fround(rtg / scale));
      assert.equal(batch.rewards[pos], Math.fround(ds.rewards[row] / scale));
    }
    // The window is [start, min(start + K, end)): short (padded) only at the end of an episode.
    assert.equal(lastRow, Math.min(start + K, epEnd) - 1);
    assert.ok(epEnd - epStart >= K, 'episodes shorter than K are skipped');
    starts.push({ task, start });
  }
  return starts;
}

test('windows: rows, 204-d layout, padding, scaled returns-to-go; domains alternate (Meta-World first)', () => {
  const sampler = new TrajectorySampler(datasets, { batchSize: 32, contextLength: K, seed: 3 });
  assert.deepEqual(sampler.domains, ['metaworld', 'dmc']);
  assert.equal(sampler.transitions('metaworld'), 15);
  assert.equal(sampler.transitions('dmc'), 7);
  const domains: string[] = [];
  let padded = 0;
  for (let i = 0; i < 8; i++) {
    const batch = sampler.next();
    domains.push(batch.domain);
    assert.equal(batch.rewardScale, batch.domain === 'metaworld' ? 200 : 100);
    checkBatch(batch, sampler);
    padded += batch.attentionMask.filter((m) => m === 0).length;
  }
  assert.deepEqual(domains, ['metaworld', 'dmc', 'metaworld', 'dmc', 'metaworld', 'dmc', 'metaworld', 'dmc']);
  assert.ok(padded > 0, 'some windows are padded');
});

test('a window starts at a uniformly drawn transition (trajectory ∝ length, start uniform in it)', () => {
  const sampler = new TrajectorySampler([A, B], { batchSize: 128, contextLength: K, seed: 11 });
  const counts = new Map<string, number>();
  const draws = 60 * 128;
  for (let i = 0; i < 60; i++) for (const { task, start } of checkBatch(sampler.next(), sampler)) counts.set(`${task}:${start}`, (counts.get(`${task}:${start}`) ?? 0) + 1);
  // Eligible: A rows 2..11 (episodes of 6 and 4; the 2-step episode is too short), B rows 0..4.
  const eligible = [...Array.from({ length: 10 }, (_, i) => `a-v2:${i + 2}`), ...Array.from({ length: 5 }, (_, i) => `b-v2:${i}`)];
  assert.deepEqual([...counts.keys()].sort(), eligible.sort());
  const expected = draws / eligible.length; // 512; a per-trajectory-uniform sampler would give B's rows 683
  for (const key of eligible) {
    const c = counts.get(key)!;
    assert.ok(Math.abs(c - expected) < 0.2 * expected, `${key}: ${c} draws, expected about ${expected}`);
  }
});

test('seeded and resumable: same seed, same batches; restore() continues exactly; reused output buffers match', () => {
  const a = new TrajectorySampler(datasets, { batchSize: 16, contextLength: K, seed: 5 });
  const b = new TrajectorySampler(datasets, { batchSize: 16, contextLength: K, seed: 5 });
  const c = new TrajectorySampler(datasets, { batchSize: 16, contextLength: K, seed: 6 });
  const first = a.next();
  assert.deepEqual(b.next(), first);
  assert.notDeepEqual(c.next().states, first.states);
  a.next();
  a.next();
  const saved = JSON.parse(JSON.stringify(a.state()));
  const expected = [a.next(), a.next(), a.next()];
  const resumed = new TrajectorySampler(datasets, { batchSize: 16, contextLength: K, seed: 5 });
  resumed.restore(saved);
  let reuse: Batch | undefined;
  for (const e of expected) {
    reuse = resumed.next(reuse);
    assert.deepEqual(reuse, e);
  }
  const other = new TrajectorySampler([A, B], { batchSize: 16, contextLength: K, seed: 5 });
  assert.throws(() => other.restore(saved), /saved with other datasets or settings/);
});

test('bad sampler inputs are rejected', () => {
  assert.throws(() => new TrajectorySampler([]), /no datasets/);
  assert.throws(() => new TrajectorySampler([A, A]), /task 'a-v2' given twice/);
  assert.throws(() => new TrajectorySampler([B], { contextLength: 6 }), /no metaworld episode has at least 6 steps/);
  assert.throws(() => new TrajectorySampler([A], { batchSize: 0 }), /batchSize must be a positive integer/);
});

test('action tokens equal PyTorch MinMaxTokenizer ((a + 1) / (2/64)).long().clamp(0, 63) in float32', () => {
  const values = Float32Array.from([-1.5, -1, -0.99999994, -0.96875, -0.5, -0.03125, -1e-8, 0, 1e-8, 0.03125, 0.031249998, 0.0312500019, 0.5, 0.96875, 0.99999994, 1, 2]);
  const rng = Array.from({ length: 200 }, (_, i) => Math.sin(i * 12.9898) * 1.05);
  const all = Float32Array.from([...values, ...rng]);
  const py = spawnSync('/usr/bin/python3', ['-c', `
import sys, json, torch
x = torch.tensor(json.loads(sys.stdin.read()), dtype=torch.float32)
print(json.dumps(((x - (-1)) / (2 / 64)).long().clamp(min=0, max=63).tolist()))`], { input: JSON.stringify([...all]), encoding: 'utf8' });
  if (py.status !== 0) {
    assert.ok(/No module named 'torch'|ENOENT/.test(py.stderr + String(py.error)), py.stderr);
    return; // no PyTorch on this machine: the hand-derived cases below still run
  }
  assert.deepEqual([...all].map(actionToken), JSON.parse(py.stdout));
});

test('action tokens: hand-derived edges', () => {
  assert.equal(actionToken(-1), 0);
  assert.equal(actionToken(-2), 0);
  assert.equal(actionToken(0), 32);
  assert.equal(actionToken(1), 63);
  assert.equal(actionToken(0.03125), 33);
  assert.equal(actionToken(Math.fround(0.0312499)), 32);
  // 0.031249998 + 1 rounds to 1.03125 in float32, as in PyTorch: the upper bin.
  assert.equal(actionToken(Math.fround(0.031249998)), 33);
  assert.ok(Object.is(actionToken(-1.01), 0)); // trunc(-0.32) is -0: returned as +0
  assert.throws(() => actionToken(NaN), /NaN/);
});
