import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDataset, type Dataset } from '../src/data/dataset.ts';
import { MIN_STD, StateNormalizer } from '../src/data/state-norm.ts';
import { parsePretrainConfig } from '../src/train/config.ts';
import { pretrain } from '../src/train/pretrain.ts';
import { batchToInputs } from '../src/model/batch-inputs.ts';
import { loadDecisionTransformer } from '../src/model/load.ts';
import { TrajectorySampler } from '../src/data/sampler.ts';
import { EpisodeContext } from '../src/eval/context.ts';
import { MINMAX_64 } from '../src/data/action-tokenizer.ts';
import { writeSyntheticMetaWorld } from './helpers/synthetic-data.ts';

/** One 4-step episode per dataset; `obs(t)` gives the stored observation at step t. */
function dataset(domain: 'metaworld' | 'dmc', observation: Dataset['meta']['observation'], dim: number, obs: (t: number) => number[]): Dataset {
  const N = 4;
  const states = new Float32Array(N * dim);
  for (let t = 0; t < N; t++) states.set(obs(t), t * dim);
  const timeouts = new Uint8Array(N);
  timeouts[N - 1] = 1;
  return buildDataset(
    { task: `${domain}-${dim}`, domain, observation, action: { dim: 1, low: [-1], high: [1] }, collector: { kind: 'synthetic', settings: {} }, seed: 0 },
    { states, actions: new Float32Array(N), rewards: new Float32Array(N), terminals: new Uint8Array(N), timeouts, episodeLengths: Int32Array.from([N]), episodeSeeds: Float64Array.from([0]) },
  );
}

test('per-domain statistics in the 204-d layout: hand-computed mean/std, constant slots untouched, a std floor', () => {
  // Meta-World: slot 0 takes 1,2,3,4 (mean 2.5, population std sqrt(1.25)); slot 1 is constant 7;
  // slot 2 varies by 1e-4 (std below the floor); the rest are zero.
  const mw = dataset('metaworld', { kind: 'padded', dim: 39 }, 39, (t) => [t + 1, 7, 1e-4 * (t % 2), ...new Array<number>(36).fill(0)]);
  // DMControl: 'position' (slot 41..48) and 'velocity' (14..40) parts; position[0] = 10 t, velocity[0] = -t.
  const dmc = dataset('dmc', { kind: 'dmc-parts', parts: [{ name: 'position', size: 2 }, { name: 'velocity', size: 1 }] }, 3, (t) => [10 * t, 5, -t]);
  const norm = StateNormalizer.fromDatasets([mw, dmc]);
  const m = norm.stats.metaworld!;
  assert.equal(m.count, 4);
  assert.ok(Math.abs(m.mean[0]! - 2.5) < 1e-12 && Math.abs(m.std[0]! - Math.sqrt(1.25)) < 1e-12);
  assert.deepEqual([m.mean[1], m.std[1]], [0, 1], 'a constant slot is left as is');
  assert.equal(m.std[2], MIN_STD);
  assert.deepEqual([m.mean[39], m.std[39]], [0, 1]);
  const d = norm.stats.dmc!;
  assert.ok(Math.abs(d.mean[41]! - 15) < 1e-12 && Math.abs(d.std[41]! - Math.sqrt(125)) < 1e-12, 'position[0] lands in slot 41');
  assert.ok(Math.abs(d.mean[14]! + 1.5) < 1e-12 && Math.abs(d.std[14]! - Math.sqrt(1.25)) < 1e-12, 'velocity[0] lands in slot 14');
  assert.deepEqual([d.mean[0], d.std[0]], [0, 1], 'Meta-World statistics do not leak into the DMControl domain');

  // Applying: real rows are standardised, padded rows stay zero.
  const states = new Float32Array(2 * 204);
  states[0] = 4;
  states[1] = 7;
  states[204] = 0;
  norm.apply('metaworld', states, [1, 0]);
  assert.ok(Math.abs(states[0]! - 1.5 / Math.sqrt(1.25)) < 1e-6);
  assert.equal(states[1], 7);
  assert.equal(states[204], 0);
});

test('bad or missing statistics are refused with the problem named', () => {
  const norm = StateNormalizer.fromDatasets([dataset('metaworld', { kind: 'padded', dim: 39 }, 39, (t) => new Array<number>(39).fill(t))]);
  assert.throws(() => norm.apply('dmc', new Float32Array(204)), /no statistics for the dmc domain/);
  assert.throws(() => StateNormalizer.fromJSON({ atari: { mean: [], std: [] } }, 'ckpt.json'), /ckpt\.json: unknown domain 'atari'/);
  assert.throws(() => StateNormalizer.fromJSON({ metaworld: { mean: [1] } }, 'ckpt.json'), /needs 'mean' and 'std' arrays/);
  assert.throws(() => StateNormalizer.fromJSON({ metaworld: { mean: [0], std: [1] } }, 'ckpt.json'), /ckpt\.json: .*expected 204 means/);
  const zeroStd = { mean: new Array<number>(204).fill(0), std: new Array<number>(204).fill(1) };
  zeroStd.std[3] = 0;
  assert.throws(() => StateNormalizer.fromJSON({ metaworld: zeroStd }, 'ckpt.json'), /std\[3\] is 0/);
});

test('data.normalizeStates: statistics are saved with the checkpoint and the same transform reaches training and acting', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-statenorm-'));
  try {
    const dataDir = path.join(tmp, 'data');
    writeSyntheticMetaWorld(dataDir, 'reach-v2', 3, 1);
    const cfg = parsePretrainConfig({
      name: 'norm',
      outDir: path.join(tmp, 'runs'),
      model: { nLayer: 1, nHead: 2, dModel: 16, actionPositionEmbedding: true },
      data: { dir: dataDir, tasks: ['reach-v2'], normalizeStates: true },
      train: { steps: 3, batchSize: 4, warmupSteps: 1, checkpointEvery: 3 },
      eval: { atEnd: false },
    });
    await pretrain(cfg);
    const { model, stateNorm } = loadDecisionTransformer(path.join(tmp, 'runs', 'norm'));
    model.dispose();
    assert.ok(stateNorm, 'the checkpoint carries the statistics');
    const { loadDataset } = await import('../src/data/dataset.ts');
    const ds = loadDataset(path.join(dataDir, 'reach-v2.npz'));
    assert.deepEqual(stateNorm.toJSON(), StateNormalizer.fromDatasets([ds]).toJSON());
    const m = stateNorm.stats.metaworld!;
    // Synthetic states are uniform on [-1, 1]: mean ~0, std ~1/sqrt(3).
    assert.ok(Math.abs(m.mean[5]!) < 0.12 && Math.abs(m.std[5]! - 1 / Math.sqrt(3)) < 0.05, `${m.mean[5]} ${m.std[5]}`);

    // A training window and the acting context built from the same steps standardise identically.
    const b = new TrajectorySampler([ds], { batchSize: 1, contextLength: 3, seed: 2 }).next();
    const ctx = new EpisodeContext({ numEnvs: 1, contextLength: 3, stateDim: 204, maxActDim: 6 }, MINMAX_64);
    for (let k = 0; k < 3; k++) if (b.attentionMask[k]) ctx.push(0, b.states.subarray(k * 204, k * 204 + 39), 0, b.timesteps[k]!), ctx.complete(0, [0, 0, 0, 0], 0);
    const fromBatch = batchToInputs(b, stateNorm).x.states.toArray();
    const fromContext = ctx.toInputs((s, real) => stateNorm.apply('metaworld', s, real)).states.toArray();
    assert.deepEqual(fromContext, fromBatch);
    assert.notDeepEqual(fromBatch, Array.from(b.states), 'states were transformed');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
