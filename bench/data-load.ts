/**
 * Loading datasets: l2m's `loadDataset` vs numpy's `np.load` (every array read into memory) on the same
 * files: 1M Meta-World transitions (39-d states, 4-d actions), 1M DMControl walker transitions in
 * the native layout l2m stores (24-d), and the same in the original release's 204-d layout. Files are written once to a temporary directory; timings are warm (page cache).
 *
 *   npx tsx bench/data-load.ts [--transitions 1000000] [--repeats 5]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildDataset, loadDataset, saveDataset } from '../src/data/dataset.ts';
import type { ObservationLayout } from '../src/data/layout.ts';
import { Rng } from '../src/envs/rng.ts';
import { printBlasCore } from './blas-core.ts';

const { values } = parseArgs({ options: { transitions: { type: 'string', default: '1000000' }, repeats: { type: 'string', default: '5' } } });
const N = Number(values.transitions);
const repeats = Number(values.repeats);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-bench-load-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, domain: 'metaworld' | 'dmc', observation: ObservationLayout, obsDim: number, actDim: number, epLen: number): string {
  const rng = new Rng(0);
  const E = Math.floor(N / epLen);
  const n = E * epLen;
  const states = new Float32Array(n * obsDim);
  for (let i = 0; i < states.length; i++) states[i] = rng.normal();
  const actions = new Float32Array(n * actDim);
  for (let i = 0; i < actions.length; i++) actions[i] = rng.uniform(-1, 1);
  const rewards = Float32Array.from({ length: n }, () => rng.random());
  const ds = buildDataset(
    { task: name, domain, observation, action: { dim: actDim, low: new Array(actDim).fill(-1), high: new Array(actDim).fill(1) }, collector: { kind: 'bench', settings: {} }, seed: 0 },
    {
      states, actions, rewards,
      terminals: new Uint8Array(n),
      timeouts: Uint8Array.from({ length: n }, (_, i) => (i % epLen === epLen - 1 ? 1 : 0)),
      successes: domain === 'metaworld' ? new Uint8Array(n) : undefined,
      episodeLengths: new Int32Array(E).fill(epLen),
      episodeSeeds: new Float64Array(E),
    },
  );
  const file = path.join(tmp, `${name}.npz`);
  saveDataset(file, ds);
  return file;
}

function best(fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return Math.min(...times);
}

function numpyMs(file: string): number {
  const code = `
import numpy as np, time, sys
best = 1e9
for _ in range(${repeats}):
    t0 = time.perf_counter()
    with np.load(sys.argv[1]) as d:
        arrays = {k: d[k] for k in d.files}
    best = min(best, time.perf_counter() - t0)
print(best * 1000)`;
  const r = spawnSync('/usr/bin/python3', ['-c', code, file], { encoding: 'utf8' });
  if (r.status !== 0) return NaN;
  return Number(r.stdout.trim());
}

printBlasCore({ usesBlas: false });
console.log(`| dataset | transitions | file MB | l2m loadDataset ms | without CRC-32 ms | with sha256 verify ms | numpy np.load (all arrays) ms | numpy / l2m |`);
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, domain, layout, obsDim, actDim, epLen] of [
  ['metaworld-39d', 'metaworld', { kind: 'padded', dim: 39 }, 39, 4, 200],
  ['dmc-walker-24d', 'dmc', { kind: 'dmc-parts', parts: [{ name: 'orientations', size: 14 }, { name: 'height', size: 1 }, { name: 'velocity', size: 9 }] }, 24, 6, 1000],
  ['dmc-204d', 'dmc', { kind: 'model' }, 204, 6, 1000],
] as [string, 'metaworld' | 'dmc', ObservationLayout, number, number, number][]) {
  const file = write(name, domain, layout, obsDim, actDim, epLen);
  const mb = fs.statSync(file).size / 2 ** 20;
  loadDataset(file); // warm the page cache and the JIT
  const l2m = best(() => loadDataset(file));
  const noCrc = best(() => loadDataset(file, { crc: false }));
  const verified = best(() => loadDataset(file, { verify: true }));
  const np = numpyMs(file);
  console.log(`| ${name} | ${N} | ${mb.toFixed(0)} | ${l2m.toFixed(0)} | ${noCrc.toFixed(0)} | ${verified.toFixed(0)} | ${np.toFixed(0)} | ${(np / l2m).toFixed(2)} |`);
}
