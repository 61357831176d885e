// Import of the original release's files (written here by numpy), including broken ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDataset, saveDataset } from '../src/data/dataset.ts';
import { importRelease } from '../src/data/import.ts';
import type { TaskInfo } from '../src/data/task-info.ts';

const PY = '/usr/bin/python3';
const hasNumpy = spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const opts = hasNumpy ? {} : { skip: `${PY} with numpy is not available` };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-data-import-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function python(code: string): void {
  const r = spawnSync(PY, ['-c', `import numpy as np\n${code}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
}
const p = (name: string): string => path.join(tmp, name);
const q = (name: string): string => JSON.stringify(p(name));

/** walker-walk without its native layout (task not registered): 204-d data is kept as it is. */
const walker: TaskInfo = { name: 'walker-walk', domain: 'dmc', actionLow: new Array(6).fill(-1), actionHigh: new Array(6).fill(1) };
/** walker-walk with dm_control's parts: 204-d data is stored compactly (24 values). */
const walkerParts: TaskInfo = {
  ...walker,
  observation: { kind: 'dmc-parts', parts: [{ name: 'orientations', size: 14 }, { name: 'height', size: 1 }, { name: 'velocity', size: 9 }] },
};
const hammer: TaskInfo = { name: 'hammer-v2', domain: 'metaworld', actionLow: [-1, -1, -1, -1], actionHigh: [1, 1, 1, 1], observation: { kind: 'padded', dim: 39 } };

test('DMControl replay buffer (savez_compressed, SB3 [N,1,D] shapes, float64 204-d states): episodes split on dones', opts, async () => {
  // 3 episodes of 4 steps, then 2 steps of an unfinished episode (dropped), like a SAC buffer.
  python(`
N = 14
obs = np.zeros((N, 1, 204)); obs[:, 0, 14] = np.arange(N); obs[:, 0, 203] = -np.arange(N)
act = (np.arange(N * 6).reshape(N, 1, 6) % 7 - 3) / 3.0
rew = (np.arange(N, dtype=np.float32) / 4).reshape(N, 1)
done = np.zeros((N, 1)); done[[3, 7, 11], 0] = 1
np.savez_compressed(${q('walker-walk.npz')}, observations=obs, next_observations=obs, actions=act, rewards=rew, dones=done)`);
  const { dataset: ds, files, droppedSteps } = await importRelease(p('walker-walk.npz'), 'walker-walk', { info: walker });
  assert.equal(files, 1);
  assert.equal(droppedSteps, 2);
  assert.deepEqual(ds.meta.observation, { kind: 'model' });
  assert.equal(ds.obsDim, 204);
  assert.equal(ds.actDim, 6);
  assert.deepEqual([...ds.episodeOffsets], [0, 4, 8, 12]);
  assert.equal(ds.states[5 * 204 + 14], 5);
  assert.equal(ds.states[5 * 204 + 203], -5);
  assert.equal(ds.actions[2 * 6 + 1], Math.fround(((13 % 7) - 3) / 3));
  // returns-to-go of episode 1 (rewards 1, 1.25, 1.5, 1.75)
  assert.deepEqual([...ds.returnsToGo.subarray(4, 8)], [5.5, 4.5, 3.25, 1.75]);
  // Meta-World and DMControl only truncate: every done is a time limit.
  assert.deepEqual([...ds.timeouts.subarray(0, 4)], [0, 0, 0, 1]);
  assert.equal(ds.terminals.reduce((a, b) => a + b, 0), 0);
  assert.equal(ds.meta.collector.kind, 'import');
  assert.equal(ds.meta.collector.settings.droppedSteps, 2);
  // Saved and reloaded, it is an ordinary dataset.
  const out = p('out-walker.npz');
  saveDataset(out, ds);
  assert.deepEqual([...loadDataset(out, { verify: true }).returnsToGo], [...ds.returnsToGo]);

  // With the task's native layout known, the 204-d states are stored as its 24 values:
  // orientations ← 0..13, height ← 203, velocity ← 14..22.
  const { dataset: compact } = await importRelease(p('walker-walk.npz'), 'walker-walk', { info: walkerParts });
  assert.deepEqual(compact.meta.observation, walkerParts.observation);
  assert.equal(compact.obsDim, 24);
  assert.equal(compact.states[5 * 24 + 14], -5); // height
  assert.equal(compact.states[5 * 24 + 15], 5); // velocity[0]
  assert.deepEqual([...compact.actions], [...ds.actions]);
  // A value in a slot the task does not use means the data is not this task's.
  python(`
obs = np.zeros((4, 204), np.float32); obs[2, 41] = 1.5
np.savez(${q('wrong-task.npz')}, observations=obs, actions=np.zeros((4, 6)), rewards=np.zeros(4), dones=np.array([0, 0, 0, 1]))`);
  await assert.rejects(importRelease(p('wrong-task.npz'), 'walker-walk', { info: walkerParts }), /wrong-task\.npz: state dimension 41 is 1\.5 at row 2, but task 'walker-walk' does not use it/);
});

test('a directory of per-episode files (states, scalar dones, returns_to_go) in natural order; timeouts split terminals', opts, async () => {
  fs.mkdirSync(p('episodes'));
  python(`
for i, n in [(1, 3), (2, 5), (10, 2)]:
    np.savez(${q('episodes')} + f'/{i}.npz', states=np.full((n, 39), i, np.float32), actions=np.zeros((n, 4), np.float32),
             rewards=np.ones(n, np.float32) * i, dones=np.array(True), returns_to_go=np.arange(n, 0, -1, dtype=np.float32))`);
  const { dataset: ds } = await importRelease(p('episodes'), 'hammer-v2', { info: hammer });
  assert.deepEqual([...ds.episodeOffsets], [0, 3, 8, 10]); // 1, 2, 10 (not 1, 10, 2)
  assert.equal(ds.states[8 * 39], 10);
  assert.deepEqual([...ds.returnsToGo.subarray(0, 3)], [3, 2, 1]);
  assert.deepEqual(ds.meta.observation, { kind: 'padded', dim: 39 });

  python(`
done = np.array([0, 0, 1, 0, 1]); timeouts = np.array([0, 0, 1, 0, 0])
np.savez(${q('hammer-to.npz')}, states=np.zeros((5, 39), np.float32), actions=np.zeros((5, 4)), rewards=np.zeros(5), dones=done, timeouts=timeouts, success=done)`);
  const { dataset: t } = await importRelease(p('hammer-to.npz'), 'hammer-v2', { info: hammer });
  assert.deepEqual([...t.timeouts], [0, 0, 1, 0, 0]);
  assert.deepEqual([...t.terminals], [0, 0, 0, 0, 1]);
  assert.deepEqual([...t.successes!], [0, 0, 1, 0, 1]);
});

test('malformed inputs: errors name the file and the key', opts, async () => {
  python(`
good = dict(states=np.zeros((4, 39), np.float32), actions=np.zeros((4, 4), np.float32), rewards=np.zeros(4, np.float32), dones=np.array([0, 1, 0, 1]))
np.savez(${q('good.npz')}, **good)
np.savez(${q('int-states.npz')}, **{**good, 'states': np.zeros((4, 39), np.int64)})
np.savez(${q('str-rewards.npz')}, **{**good, 'rewards': np.array(['a', 'b', 'c', 'd'])})
np.savez(${q('short-actions.npz')}, **{**good, 'actions': np.zeros((3, 4), np.float32)})
np.savez(${q('no-rewards.npz')}, **{k: v for k, v in good.items() if k != 'rewards'})
np.savez(${q('wide.npz')}, **{**good, 'states': np.zeros((4, 40), np.float32)})
np.savez(${q('nenvs.npz')}, **{**good, 'states': np.zeros((4, 2, 39), np.float32)})
np.savez(${q('no-done.npz')}, **{**good, 'dones': np.zeros(4)})
np.savez(${q('obj.npz')}, **{**good, 'dones': np.array([None, 1, None, 1], dtype=object)})
nan = np.zeros((4, 39), np.float32); nan[2, 5] = np.nan
np.savez(${q('nan.npz')}, **{**good, 'states': nan})`);
  const bytes = fs.readFileSync(p('good.npz'));
  fs.writeFileSync(p('truncated.npz'), bytes.subarray(0, bytes.length - 100));
  const cases: [string, RegExp][] = [
    ['truncated.npz', /truncated\.npz: .*truncated/],
    ['int-states.npz', /int-states\.npz: key 'states' has dtype <i8, expected a float array/],
    ['str-rewards.npz', /str-rewards\.npz: key 'rewards'.*unsupported dtype '<U1'/],
    ['short-actions.npz', /short-actions\.npz: mismatched lengths: 'states' has 4 rows, 'actions' has 3/],
    ['no-rewards.npz', /no-rewards\.npz: missing key 'rewards'; the file has 'states', 'actions', 'dones'/],
    ['wide.npz', /wide\.npz: states have 40 dimensions; Meta-World data must have 39/],
    ['nenvs.npz', /nenvs\.npz: key 'states' has shape \(4, 2, 39\): a replay buffer of 2 parallel envs is not supported/],
    ['no-done.npz', /no complete episode/],
    ['obj.npz', /obj\.npz: key 'dones'.*(unsupported dtype|pickle)/i],
    ['absent.npz', /absent\.npz: no such file or directory/],
    ['nan.npz', /nan\.npz: key 'states' holds NaN at row 2, column 5/],
  ];
  for (const [name, re] of cases) {
    await assert.rejects(importRelease(p(name), 'hammer-v2', { info: hammer }), re, name);
  }
  await assert.rejects(importRelease(p('good.npz'), 'walker-walk', { info: walker }), /good\.npz: actions have 4 dimensions but task 'walker-walk' has 6/);
  fs.mkdirSync(p('empty'));
  await assert.rejects(importRelease(p('empty'), 'hammer-v2', { info: hammer }), /empty: directory holds no \.npz files/);
  // The good file imports.
  const { dataset } = await importRelease(p('good.npz'), 'hammer-v2', { info: hammer });
  assert.deepEqual([...dataset.episodeOffsets], [0, 2, 4]);
});
