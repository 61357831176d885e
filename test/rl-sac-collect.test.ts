// `l2m data collect --policy sac`: the dataset is the SAC agent's replay buffer (same as train-sac's), resumable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectTasks, runTask, type TaskJob } from '../src/data/collect-tasks.ts';
import { collectPolicyKinds } from '../src/data/collect-policy.ts';
import { loadDataset } from '../src/data/dataset.ts';
import { trainSac } from '../src/rl/train-sac.ts';
import { sacStateDir } from '../src/rl/sac-collect.ts';

const TINY = { hidden: [32, 32], batchSize: 32, seedSteps: 100 };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-sac-collect-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const job = (out: string, extra: Partial<TaskJob> = {}): TaskJob => ({
  out,
  episodes: 3,
  seed: 5,
  maxEpisodeSteps: 100,
  policy: { kind: 'sac', config: TINY, schedule: [] },
  ...extra,
});

test('collect --policy sac stores the replay buffer of train-sac with the same seed, episode by episode', async () => {
  assert.ok(collectPolicyKinds().includes('sac'));
  const out = path.join(tmp, 'straight');
  const r = await runTask('cartpole-swingup', job(out));
  assert.equal(r.transitions, 300);
  const ds = loadDataset(r.path);
  assert.equal(ds.meta.collector.kind, 'sac');
  const settings = ds.meta.collector.settings as { config: { hidden: number[]; seedSteps: number }; episodes: number };
  assert.deepEqual(settings.config.hidden, [32, 32]);
  assert.equal(settings.config.seedSteps, 100);
  assert.equal(settings.episodes, 3);
  assert.deepEqual(Array.from(ds.episodeOffsets), [0, 100, 200, 300]);
  assert.deepEqual(Array.from(ds.timeouts).flatMap((t, i) => (t ? [i] : [])), [99, 199, 299], 'time-limit flags at episode ends');
  assert.equal(ds.terminals.reduce((a, b) => a + b, 0), 0);

  const trained = await trainSac({ task: 'cartpole-swingup', steps: 300, seed: 5, out: path.join(tmp, 'train'), maxEpisodeSteps: 100, evalEvery: 0, config: TINY, keepLearner: true });
  const buf = trained.learner!.buffer;
  assert.deepEqual(ds.states, buf.obs);
  assert.deepEqual(ds.actions, buf.actions);
  assert.deepEqual(ds.rewards, buf.rewards);
  trained.learner!.dispose();
});

test('collectTasks worker processes load the sac policy from the module that registered it', async () => {
  const out = path.join(tmp, 'worker');
  const r = await collectTasks(['cartpole-swingup'], { ...job(out), workers: 2 });
  assert.deepEqual(r.failures, []);
  const whole = loadDataset(path.join(tmp, 'straight', 'cartpole-swingup.npz'));
  const ds = loadDataset(r.results[0]!.path);
  assert.deepEqual(ds.states, whole.states, 'the worker collected what this process did');
  assert.deepEqual(ds.actions, whole.actions);
});

test('an interrupted sac collection resumes to exactly the uninterrupted dataset', async () => {
  const whole = loadDataset(path.join(tmp, 'straight', 'cartpole-swingup.npz'));
  const out = path.join(tmp, 'resumed');
  let episodes = 0;
  const first = await runTask('cartpole-swingup', job(out), { onEpisode: () => episodes++, shouldStop: () => episodes >= 2 });
  assert.equal(first.stopped, true);
  assert.equal(first.episodes, 2);
  assert.ok(fs.existsSync(path.join(sacStateDir(out, 'cartpole-swingup'), 'even', 'checkpoint.json')));
  await assert.rejects(runTask('cartpole-swingup', job(out, { resume: true, policy: { kind: 'sac', config: { ...TINY, batchSize: 16 }, schedule: [] } })), /cannot resume with different settings \(policy\)/);
  const rest = await runTask('cartpole-swingup', job(out, { resume: true }));
  assert.equal(rest.transitions, 300);
  const ds = loadDataset(rest.path);
  assert.deepEqual(ds.states, whole.states);
  assert.deepEqual(ds.actions, whole.actions);
  assert.deepEqual(ds.rewards, whole.rewards);

  // Without the agent checkpoint matching the committed episodes, resuming is refused clearly.
  const broken = path.join(tmp, 'broken');
  episodes = 0;
  await runTask('cartpole-swingup', job(broken), { onEpisode: () => episodes++, shouldStop: () => episodes >= 2 });
  fs.rmSync(path.join(sacStateDir(broken, 'cartpole-swingup'), 'even'), { recursive: true });
  await assert.rejects(runTask('cartpole-swingup', job(broken, { resume: true })), /no SAC agent checkpoint after episode 2/);
});
