/**
 * Sampling speed: one training batch (B windows × K timesteps, the 204-d states, 6-d actions and
 * tokens, masks, scaled returns-to-go) from a Meta-World pool (10 tasks × 100K transitions) and a
 * DMControl pool (4 tasks × 100K, native layouts). Compared with a numpy version of the same
 * per-window work as the original's `TrajectoryDataset.__getitem__` + collate (one window at a time).
 *
 *   npx tsx bench/data-sample.ts [--batch 256] [--context 5] [--batches 400]
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { buildDataset, type Dataset } from '../src/data/dataset.ts';
import type { ObservationLayout } from '../src/data/layout.ts';
import { TrajectorySampler, type Batch } from '../src/data/sampler.ts';
import { Rng } from '../src/envs/rng.ts';
import { printBlasCore } from './blas-core.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '256' }, context: { type: 'string', default: '5' }, batches: { type: 'string', default: '400' } } });
const B = Number(values.batch);
const K = Number(values.context);
const batches = Number(values.batches);

function synthetic(task: string, domain: 'metaworld' | 'dmc', observation: ObservationLayout, obsDim: number, actDim: number, epLen: number, n: number): Dataset {
  const rng = new Rng(task.length);
  const E = Math.floor(n / epLen);
  const N = E * epLen;
  return buildDataset(
    { task, domain, observation, action: { dim: actDim, low: new Array(actDim).fill(-1), high: new Array(actDim).fill(1) }, collector: { kind: 'bench', settings: {} }, seed: 0 },
    {
      states: Float32Array.from({ length: N * obsDim }, () => rng.normal()),
      actions: Float32Array.from({ length: N * actDim }, () => rng.uniform(-1, 1)),
      rewards: Float32Array.from({ length: N }, () => rng.random()),
      terminals: new Uint8Array(N),
      timeouts: new Uint8Array(N),
      episodeLengths: new Int32Array(E).fill(epLen),
      episodeSeeds: new Float64Array(E),
    },
  );
}

const datasets: Dataset[] = [];
for (let i = 0; i < 10; i++) datasets.push(synthetic(`mw${i}-v2`, 'metaworld', { kind: 'padded', dim: 39 }, 39, 4, 200, 100_000));
const walker: ObservationLayout = { kind: 'dmc-parts', parts: [{ name: 'orientations', size: 14 }, { name: 'height', size: 1 }, { name: 'velocity', size: 9 }] };
const cartpole: ObservationLayout = { kind: 'dmc-parts', parts: [{ name: 'position', size: 3 }, { name: 'velocity', size: 2 }] };
for (let i = 0; i < 4; i++) datasets.push(synthetic(`dmc${i}`, 'dmc', i % 2 ? walker : cartpole, i % 2 ? 24 : 5, i % 2 ? 6 : 1, 1000, 100_000));

const sampler = new TrajectorySampler(datasets, { batchSize: B, contextLength: K, seed: 0 });
for (let i = 0; i < 50; i++) sampler.next(); // JIT warm-up
/** Best of 10 rounds of mean ms per batch (the machine is shared: the best round is the least disturbed). */
function msPerBatch(step: () => void): number {
  let best = Infinity;
  for (let round = 0; round < 10; round++) {
    const t0 = performance.now();
    for (let i = 0; i < batches / 10; i++) step();
    best = Math.min(best, (performance.now() - t0) / (batches / 10));
  }
  return best;
}
const fresh = msPerBatch(() => sampler.next());
let out: Batch | undefined;
const reused = msPerBatch(() => (out = sampler.next(out)));

// numpy: the original's per-window work (slice, pad state to 204, pad actions, left-pad, stack), Meta-World pool.
const code = `
import numpy as np, time
rng = np.random.default_rng(0)
B, K, n = ${B}, ${K}, 10 * 100000
states = rng.standard_normal((n, 39), dtype=np.float32); actions = rng.uniform(-1, 1, (n, 4)).astype(np.float32)
rtg = rng.random(n, dtype=np.float32); rew = rng.random(n, dtype=np.float32); ts = np.tile(np.arange(200), n // 200)
ep_end = (np.arange(n) // 200 + 1) * 200
def item(start):
    end = min(start + K, ep_end[start]); s = states[start:end]; a = actions[start:end]; pad = K - (end - start)
    s = np.concatenate([s, np.zeros((len(s), 204 - 39), np.float32)], -1)
    am = np.concatenate([np.ones_like(a), np.zeros((len(a), 2), np.float32)], -1); a = np.concatenate([a, np.zeros((len(a), 2), np.float32)], -1)
    z = lambda x, shape: np.concatenate([np.zeros((pad,) + shape, x.dtype), x], 0)
    return z(s, (204,)), z(a, (6,)), z(am, (6,)), z(rtg[start:end] / 200, ()), z(rew[start:end] / 200, ()), z(ts[start:end], ()), np.concatenate([np.zeros(pad), np.ones(K - pad)])
best = 1e9
for rep in range(10):
    t0 = time.perf_counter()
    for _ in range(20):
        items = [item(s) for s in rng.integers(0, n, B)]
        batch = [np.stack(x) for x in zip(*items)]
    best = min(best, (time.perf_counter() - t0) / 20)
print(best * 1000)`;
const py = spawnSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' });
const numpyMs = py.status === 0 ? Number(py.stdout.trim()) : NaN;

printBlasCore({ usesBlas: false });
console.log(`| batch | l2m next() ms | l2m next(reused) ms | numpy per-window (original style) ms | numpy / l2m |`);
console.log('|---|---|---|---|---|');
console.log(`| ${B} × ${K} | ${fresh.toFixed(3)} | ${reused.toFixed(3)} | ${numpyMs.toFixed(2)} | ${(numpyMs / fresh).toFixed(1)} |`);
