// Dataset files: our .npz read by numpy, numpy's .npz/.npy read by us, checksums, corrupt files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDataset, loadDataset, loadTaskDatasets, readDatasetMeta, saveDataset, type Dataset } from '../src/data/dataset.ts';
import { decodeNpy, encodeNpy, encodeNpyHeader } from '../src/data/npy.ts';
import { NpzFile, npyChunks, writeNpz } from '../src/data/npz.ts';
import { writeZip } from '../src/data/zip.ts';

const PY = '/usr/bin/python3';
const hasNumpy = spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const needsNumpy = hasNumpy ? {} : { skip: `${PY} with numpy is not available` };

function python(code: string): string {
  const r = spawnSync(PY, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-data-format-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Three episodes (lengths 3, 2, 4) of a 2-d observation, 1-d action task, with hand-chosen numbers. */
function smallDataset(): Dataset {
  const lengths = [3, 2, 4];
  const N = 9;
  return buildDataset(
    {
      task: 'reach-v2',
      domain: 'metaworld',
      observation: { kind: 'padded', dim: 2 },
      action: { dim: 1, low: [-1], high: [1] },
      collector: { kind: 'test', settings: { note: 'hand-made' } },
      seed: 7,
    },
    {
      states: Float32Array.from({ length: N * 2 }, (_, i) => i * 0.5),
      actions: Float32Array.from({ length: N }, (_, i) => i / 10 - 0.4),
      rewards: Float32Array.from([1, 2, 3, 10, 20, 0.5, 0.25, 0.125, 1]),
      terminals: Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0]),
      timeouts: Uint8Array.from([0, 0, 1, 0, 0, 0, 0, 0, 1]),
      successes: Uint8Array.from([0, 1, 1, 0, 0, 0, 0, 1, 0]),
      episodeLengths: Int32Array.from(lengths),
      episodeSeeds: Float64Array.from([11, 12, 2 ** 40]),
    },
  );
}

test('derived columns: offsets, dones, timesteps, undiscounted returns-to-go per episode', () => {
  const ds = smallDataset();
  assert.deepEqual([...ds.episodeOffsets], [0, 3, 5, 9]);
  assert.deepEqual([...ds.dones], [0, 0, 1, 0, 1, 0, 0, 0, 1]);
  assert.deepEqual([...ds.timesteps], [0, 1, 2, 0, 1, 0, 1, 2, 3]);
  assert.deepEqual([...ds.returnsToGo], [6, 5, 3, 30, 20, 1.875, 1.375, 1.125, 1]);
});

test('save/load round trip keeps every array and the metadata; verify checks the checksum', () => {
  const ds = smallDataset();
  const file = path.join(tmp, 'rt.npz');
  saveDataset(file, ds);
  const back = loadDataset(file, { verify: true });
  assert.deepEqual(back.meta, ds.meta);
  assert.equal(back.meta.counts.transitions, 9);
  for (const k of ['states', 'actions', 'rewards', 'returnsToGo', 'dones', 'terminals', 'timeouts', 'successes', 'timesteps', 'episodeOffsets', 'episodeSeeds'] as const) {
    assert.deepEqual(Array.from(back[k] as ArrayLike<number>), Array.from(ds[k] as ArrayLike<number>), k);
  }
  assert.equal(readDatasetMeta(file).checksum.value, ds.meta.checksum.value);
  assert.match(ds.meta.checksum.value, /^[0-9a-f]{64}$/);
  // Change one stored float without touching its CRC's neighbours: the zip CRC catches it first.
  const bytes = fs.readFileSync(file);
  const at = bytes.indexOf(Buffer.from(Float32Array.of(3.5).buffer));
  assert.ok(at > 0);
  bytes.writeFloatLE(3.25, at);
  const bad = path.join(tmp, 'bad-crc.npz');
  fs.writeFileSync(bad, bytes);
  assert.throws(() => loadDataset(bad), /member 'states.npy': CRC-32 mismatch/);
});

test('numpy reads our files: arrays, dtypes, metadata.json, and the checksum recomputed in Python', needsNumpy, () => {
  const ds = smallDataset();
  const file = path.join(tmp, 'np.npz');
  saveDataset(file, ds);
  const out = python(`
import numpy as np, json, zipfile, hashlib
d = np.load(${JSON.stringify(file)})
m = json.loads(d['metadata.json'])
z = zipfile.ZipFile(${JSON.stringify(file)})
h = hashlib.sha256(b''.join(z.read(n) for n in sorted(z.namelist()) if n.endswith('.npy'))).hexdigest()
print(json.dumps({
  'files': sorted(d.files),
  'dtypes': {k: str(d[k].dtype) for k in d.files if k != 'metadata.json'},
  'states_shape': list(d['states'].shape),
  'states': d['states'].ravel().tolist(),
  'rtg': d['returns_to_go'].tolist(),
  'dones': d['dones'].tolist(),
  'offsets': d['episode_offsets'].tolist(),
  'seeds': d['episode_seeds'].tolist(),
  'split': [len(x) for x in np.split(d['rewards'], d['episode_offsets'][1:-1])],
  'task': m['task'], 'counts': m['counts'], 'layout': m['observation'],
  'checksum_ok': h == m['checksum']['value'],
}))`);
  const r = JSON.parse(out);
  assert.deepEqual(r.files, ['actions', 'dones', 'episode_offsets', 'episode_seeds', 'metadata.json', 'returns_to_go', 'rewards', 'states', 'successes', 'terminals', 'timeouts', 'timesteps']);
  assert.deepEqual(r.dtypes, {
    states: 'float32', actions: 'float32', rewards: 'float32', returns_to_go: 'float32', dones: 'bool', terminals: 'bool', timeouts: 'bool',
    successes: 'bool', timesteps: 'int32', episode_offsets: 'int64', episode_seeds: 'int64',
  });
  assert.deepEqual(r.states_shape, [9, 2]);
  assert.deepEqual(r.states, [...ds.states]);
  assert.deepEqual(r.rtg, [6, 5, 3, 30, 20, 1.875, 1.375, 1.125, 1]);
  assert.deepEqual(r.dones, [false, false, true, false, true, false, false, false, true]);
  assert.deepEqual(r.offsets, [0, 3, 5, 9]);
  assert.deepEqual(r.seeds, [11, 12, 2 ** 40]);
  assert.deepEqual(r.split, [3, 2, 4]);
  assert.equal(r.task, 'reach-v2');
  assert.deepEqual(r.counts, { episodes: 3, transitions: 9 });
  assert.deepEqual(r.layout, { kind: 'padded', dim: 2 });
  assert.equal(r.checksum_ok, true);
});

test('we read what numpy writes: savez (ZIP64 headers) and savez_compressed, all dtypes, Fortran order, float16', needsNumpy, () => {
  for (const [name, fn] of [['plain.npz', 'savez'], ['packed.npz', 'savez_compressed']]) {
    const file = path.join(tmp, name);
    python(`
import numpy as np
np.${fn}(${JSON.stringify(file)},
  f4=np.arange(12, dtype=np.float32).reshape(3, 4) / 3,
  f8=np.array([1.5, -2.25, 1e300]),
  f2=np.array([0.5, -1.0, 65504.0, 2**-24], dtype=np.float16),
  b1=np.array([True, False, True]),
  i8=np.array([-(2**40), 3], dtype=np.int64),
  u1=np.array([0, 255], dtype=np.uint8),
  i4=np.array([[1, 2], [3, 4]], dtype=np.int32),
  fort=np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
  scalar=np.float64(7.0),
  big=np.arange(100000, dtype=np.float32))`);
    const npz = NpzFile.open(file);
    try {
      const f4 = npz.array('f4');
      assert.equal(f4.dtype, '<f4');
      assert.deepEqual(f4.shape, [3, 4]);
      assert.deepEqual([...f4.data], Array.from({ length: 12 }, (_, i) => Math.fround(Math.fround(i) / 3)));
      assert.deepEqual([...npz.array('f8').data], [1.5, -2.25, 1e300]);
      assert.deepEqual([...npz.array('f2').data], [0.5, -1, 65504, 2 ** -24]);
      const b1 = npz.array('b1');
      assert.equal(b1.dtype, '|b1');
      assert.deepEqual([...b1.data], [1, 0, 1]);
      assert.deepEqual([...npz.array('i8').data], [-(2n ** 40n), 3n]);
      assert.deepEqual([...npz.array('u1').data], [0, 255]);
      assert.deepEqual([...npz.array('i4').data], [1, 2, 3, 4]);
      const fort = npz.array('fort');
      assert.deepEqual(fort.shape, [2, 3]);
      assert.deepEqual([...fort.data], [0, 1, 2, 3, 4, 5]);
      const scalar = npz.array('scalar');
      assert.deepEqual(scalar.shape, []);
      assert.deepEqual([...scalar.data], [7]);
      const big = npz.array('big').data;
      assert.equal(big.length, 100000);
      assert.equal(big[99999], 99999);
    } finally {
      npz.close();
    }
  }
});

test('writeNpz writes plain .npz files numpy loads; npy encode/decode agree', needsNumpy, () => {
  const file = path.join(tmp, 'w.npz');
  writeNpz(file, {
    a: { dtype: '<f8', shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) },
    flags: { dtype: '|b1', shape: [3], data: Uint8Array.of(1, 0, 1) },
  });
  assert.equal(python(`import numpy as np; d = np.load(${JSON.stringify(file)}); print(d['a'].sum(), d['a'].shape, d['flags'].tolist())`).trim(), '10.0 (2, 2) [True, False, True]');
  const chunks = encodeNpy({ dtype: '<i4', shape: [2, 3], data: Int32Array.of(1, 2, 3, 4, 5, 6) });
  assert.equal(chunks[0].byteLength % 64, 0);
  const arr = decodeNpy(Buffer.concat(chunks), 'roundtrip');
  assert.deepEqual(arr.shape, [2, 3]);
  assert.deepEqual([...arr.data], [1, 2, 3, 4, 5, 6]);
});

test('broken files fail with errors naming the file and the problem', () => {
  const file = path.join(tmp, 'ok.npz');
  saveDataset(file, smallDataset());
  const bytes = fs.readFileSync(file);
  const cut = path.join(tmp, 'cut.npz');
  fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 40));
  assert.throws(() => loadDataset(cut), (e: Error) => e.message.includes(cut) && /truncated/.test(e.message));
  const half = path.join(tmp, 'half.npz');
  fs.writeFileSync(half, bytes.subarray(0, bytes.length >> 1));
  assert.throws(() => loadDataset(half), /not a zip\/npz file or truncated/);
  const text = path.join(tmp, 'text.npz');
  fs.writeFileSync(text, 'hello');
  assert.throws(() => loadDataset(text), /not a zip\/npz file or truncated/);
  assert.throws(() => loadDataset(path.join(tmp, 'missing.npz')), /ENOENT/);
  // An .npz without our metadata (e.g. the original release) points at `l2m data import`.
  const plain = path.join(tmp, 'plain-release.npz');
  writeNpz(plain, { states: { dtype: '<f4', shape: [1, 1], data: Float32Array.of(0) } });
  assert.throws(() => loadDataset(plain), /no metadata\.json member: not an l2m dataset.*l2m data import/);
  const bigEndian = Buffer.concat([encodeNpyHeader('>f4', [1]), Buffer.alloc(4)]);
  assert.throws(() => decodeNpy(bigEndian, 'x.npy'), /x\.npy: unsupported dtype '>f4'/);
  const short = Buffer.concat([encodeNpyHeader('<f4', [3]), Buffer.alloc(8)]);
  assert.throws(() => decodeNpy(short, 'y.npy'), /y\.npy: truncated array data \(shape \(3\) <f4 needs 12 bytes, found 8\)/);
  assert.throws(() => decodeNpy(Buffer.from('PK\x03\x04'), 'z.npy'), /z\.npy: not a \.npy array/);
});

test('loadTaskDatasets finds <task>.npz in the first directory that has it, and checks the task', () => {
  const a = path.join(tmp, 'dir-a');
  const b = path.join(tmp, 'dir-b');
  fs.mkdirSync(a);
  fs.mkdirSync(b);
  saveDataset(path.join(b, 'reach-v2.npz'), smallDataset());
  const [ds] = loadTaskDatasets([a, b], ['reach-v2']);
  assert.equal(ds.meta.task, 'reach-v2');
  assert.throws(() => loadTaskDatasets([a, b], ['push-v2']), /no dataset for task 'push-v2' \(looked for .*dir-a\/push-v2\.npz, .*dir-b\/push-v2\.npz/);
  fs.copyFileSync(path.join(b, 'reach-v2.npz'), path.join(a, 'push-v2.npz'));
  assert.throws(() => loadTaskDatasets([a], ['push-v2']), /push-v2\.npz: holds task 'reach-v2', not 'push-v2'/);
});

test('ZIP64 records (as files over 4 GiB need them) are written so that numpy and our reader agree', needsNumpy, () => {
  const file = path.join(tmp, 'zip64.npz');
  const chunks = npyChunks({
    x: { dtype: '<f4', shape: [3], data: Float32Array.of(1, 2, 3) },
    y: { dtype: '<i8', shape: [2], data: BigInt64Array.of(5n, -6n) },
  });
  writeZip(file, [...chunks].map(([k, c]) => ({ name: `${k}.npy`, chunks: c })), { forceZip64: true });
  assert.equal(python(`import numpy as np; d = np.load(${JSON.stringify(file)}); print(d['x'].tolist(), d['y'].tolist())`).trim(), '[1.0, 2.0, 3.0] [5, -6]');
  const npz = NpzFile.open(file);
  try {
    assert.deepEqual([...npz.array('x').data], [1, 2, 3]);
    assert.deepEqual([...npz.array('y').data], [5n, -6n]);
  } finally {
    npz.close();
  }
});

test('returns-to-go accumulate in float32 from the episode end, bit-equal to the original (np.cumsum of float32)', needsNumpy, () => {
  const rewards = Float32Array.from({ length: 200 }, (_, i) => Math.fround(Math.sin(i) * 3.7 + 0.123456));
  const ds = buildDataset(
    { task: 'reach-v2', domain: 'metaworld', observation: { kind: 'padded', dim: 1 }, action: { dim: 1, low: [-1], high: [1] }, collector: { kind: 'test', settings: {} }, seed: 0 },
    { states: new Float32Array(200), actions: new Float32Array(200), rewards, terminals: new Uint8Array(200), timeouts: new Uint8Array(200), episodeLengths: Int32Array.of(200), episodeSeeds: Float64Array.of(0) },
  );
  const out = python(`
import numpy as np, json
x = np.array(${JSON.stringify([...rewards])}, dtype=np.float32)
# discount_cumsum_np(x, 1) from the original src/buffers/buffer_utils.py
rtg = np.flip(np.cumsum(np.flip(x, 0)) * 1 ** np.arange(0, x.shape[0]), 0).astype(np.float32)
print(json.dumps(rtg.tolist()))`);
  assert.deepEqual([...ds.returnsToGo], JSON.parse(out));
});
