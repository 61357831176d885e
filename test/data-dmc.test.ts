// DMControl data on real (small) collections: stats against both R_data, the two data-normalised scores
// (stats, evaluation, pre-training), domain-alternating batches with Meta-World, the native and 204-d layouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';
import { runTask } from '../src/data/collect-tasks.ts';
import { DEFAULT_NOISE_SCHEDULE } from '../src/data/noise-schedule.ts';
import { buildDataset, loadDataset, saveDataset, type Dataset } from '../src/data/dataset.ts';
import { finalPath } from '../src/data/episode-writer.ts';
import { importRelease } from '../src/data/import.ts';
import { modelStateIndex } from '../src/data/layout.ts';
import { loadOwnDataScoreTable } from '../src/data/own-score-table.ts';
import { TrajectorySampler } from '../src/data/sampler.ts';
import { statsOf } from '../src/data/stats.ts';
import { formatStats } from '../src/cli/data.ts';
import { makeEnv } from '../src/envs/registry.ts';
import { DecisionTransformer, PAPER_CONFIG } from '../src/model/decision-transformer.ts';
import { evaluate } from '../src/eval/evaluate.ts';
import { parsePretrainConfig } from '../src/train/config.ts';
import { pretrain } from '../src/train/pretrain.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-data-dmc-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

// Two DMControl tasks (5-d and 24-d observations, 1-d and 6-d actions), random policy, 3 episodes of 40
// steps; an unfinished third; a Meta-World task from its scripted expert in another folder.
const DMC = ['cartpole-balance', 'walker-walk'];
const STEPS = 40;
const dmcDir = path.join(tmp, 'dmc');
const mwDir = path.join(tmp, 'mw');
for (const t of DMC) await runTask(t, { out: dmcDir, episodes: 3, seed: 4, maxEpisodeSteps: STEPS, policy: { kind: 'random' } });
let unfinished = 0;
await runTask('cartpole-swingup', { out: dmcDir, episodes: 3, seed: 4, maxEpisodeSteps: 10, policy: { kind: 'random' } }, { onEpisode: () => unfinished++, shouldStop: () => unfinished >= 1 });
await runTask('reach-v2', { out: mwDir, episodes: 2, seed: 4, maxEpisodeSteps: 30, policy: { kind: 'auto', schedule: DEFAULT_NOISE_SCHEDULE, afterSuccess: 'hold' } });
const data = (t: string): Dataset => loadDataset(finalPath(t.endsWith('-v2') ? mwDir : dmcDir, t));

// The original's table (appendix A of the spec), typed here by hand.
const ORIGINAL: Record<string, { random: number; data: number }> = {
  'cartpole-balance': { random: 350.391, data: 938.506 },
  'walker-walk': { random: 30.193, data: 773.174 },
};

/** Episode returns summed by hand from the file's rewards and offsets. */
function handReturns(ds: Dataset): number[] {
  const out: number[] = [];
  for (let e = 0; e + 1 < ds.episodeOffsets.length; e++) {
    let s = 0;
    for (let i = ds.episodeOffsets[e]!; i < ds.episodeOffsets[e + 1]!; i++) s += ds.rewards[i]!;
    out.push(s);
  }
  return out;
}
const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('data stats: returns against the original mean and our own, the normalised score both ways (hand-computed)', async () => {
  const stats = statsOf(dmcDir);
  assert.deepEqual(stats.map((s) => [s.task, s.partial]), [['cartpole-balance', false], ['cartpole-swingup', true], ['walker-walk', false]]);
  for (const t of DMC) {
    const s = stats.find((x) => x.task === t)!;
    const R = handReturns(data(t));
    assert.equal(R.length, 3);
    const sorted = [...R].sort((a, b) => a - b);
    const mean = (R[0]! + R[1]! + R[2]!) / 3;
    close(s.returns.mean, mean, `${t} mean`);
    close(s.returns.median, sorted[1]!, `${t} median`);
    assert.equal(s.returns.min, sorted[0]);
    assert.equal(s.returns.max, sorted[2]);
    const { random, data: orig } = ORIGINAL[t]!;
    const r = s.dmcReference!;
    assert.equal(r.random, random);
    assert.equal(r.originalDataMean, orig);
    close(r.ownDataMean, mean, `${t} own mean`);
    close(r.meanRatio, mean / orig, `${t} ratio`);
    // (R - R_random) / (R_data - R_random), R_data the original's mean, then our own.
    close(r.scoreByOriginal.mean, (mean - random) / (orig - random), `${t} score by original`);
    close(r.scoreByOriginal.median, (sorted[1]! - random) / (orig - random), `${t} median score by original`);
    close(r.scoreByOriginal.min, Math.min(...R.map((x) => (x - random) / (orig - random))), `${t} min score by original`);
    close(r.scoreByOwn.mean, 1, `${t} mean score by own`);
    close(r.scoreByOwn.median, (sorted[1]! - random) / (mean - random), `${t} median score by own`);
    // 40-step random episodes of cartpole-balance return less than R_random (1000 steps): R_data - R_random < 0,
    // so the highest score is that of the lowest return.
    close(r.scoreByOwn.max, Math.max(...R.map((x) => (x - random) / (mean - random))), `${t} max score by own`);
  }
  assert.equal(statsOf(mwDir)[0]!.dmcReference, undefined, 'Meta-World has no DMControl reference');

  const text = formatStats(stats);
  const walker = stats.find((x) => x.task === 'walker-walk')!;
  assert.match(text, /DMControl task\s+episodes\s+return mean\s+median\s+min\s+max\s+original mean\s+ratio\s+R_random/);
  assert.match(text, new RegExp(`walker-walk\\s+3\\s+${walker.returns.mean.toFixed(1)}\\s+.*773\\.174\\s+${walker.dmcReference!.meanRatio.toFixed(3)}\\s+30\\.193\\s+${walker.dmcReference!.scoreByOriginal.mean.toFixed(3)}`));
  assert.match(text, /cartpole-swingup \(unfinished\)/);

  // The CLI's --json is the same numbers, and what the evaluation's own-data table reads.
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, 'bin', 'l2m.mjs'), 'data', 'stats', dmcDir, '--json']);
  const json = JSON.parse(stdout);
  assert.deepEqual(json, JSON.parse(JSON.stringify(stats)));
  const file = path.join(tmp, 'dmc-stats.json');
  fs.writeFileSync(file, stdout);
  assert.deepEqual(loadOwnDataScoreTable(file).tasks, loadOwnDataScoreTable(dmcDir).tasks);
});

test("the own-data score table: means from a folder or the stats JSON; unfinished data unused; bad input named", () => {
  const table = loadOwnDataScoreTable(dmcDir);
  assert.deepEqual(Object.keys(table.tasks).sort(), DMC);
  for (const t of DMC) {
    const mean = handReturns(data(t)).reduce((a, b) => a + b) / 3;
    assert.equal(table.tasks[t]!.random, ORIGINAL[t]!.random);
    close(table.tasks[t]!.data, mean, t);
  }
  assert.match(table.source, /our own data means \(.*dmc; unfinished, not used: cartpole-swingup\)/);
  assert.deepEqual(Object.keys(loadOwnDataScoreTable(finalPath(dmcDir, 'walker-walk')).tasks), ['walker-walk']);

  const write = (name: string, body: string): string => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, body);
    return p;
  };
  assert.throws(() => loadOwnDataScoreTable(path.join(tmp, 'nowhere')), /nowhere: no such file or directory \(give a DMControl data folder or the JSON of `l2m data stats --json`\)/);
  assert.throws(() => loadOwnDataScoreTable(write('broken.json', '[{"task": ')), /broken\.json: malformed JSON/);
  assert.throws(() => loadOwnDataScoreTable(write('object.json', '{"walker-walk": 500}')), /object\.json: not the output of `l2m data stats --json` \(an array of per-task stats\): \(root\): .*expected array/i);
  assert.throws(() => loadOwnDataScoreTable(write('nomean.json', '[{"task": "walker-walk", "domain": "dmc", "returns": {}}]')), /nomean\.json: not the output .*: 0\.returns\.mean: .*(required|expected number)/i);
  const twice = JSON.stringify([{ task: 'walker-walk', domain: 'dmc', returns: { mean: 5 } }, { task: 'walker-walk', domain: 'dmc', returns: { mean: 6 } }]);
  assert.throws(() => loadOwnDataScoreTable(write('twice.json', twice)), /twice\.json: task walker-walk is listed twice/);
  assert.throws(() => loadOwnDataScoreTable(write('means.txt', '')), /means\.txt: expected a data folder, a \.npz dataset or a \.json file/);
  fs.mkdirSync(path.join(tmp, 'empty'));
  assert.throws(() => loadOwnDataScoreTable(path.join(tmp, 'empty')), /empty: no datasets/);
});

test('evaluation scores DMControl by the original table (default) or by our own data means; a task missing from the table is refused first', async () => {
  torch.manualSeed(0);
  const model = new DecisionTransformer({ ...PAPER_CONFIG, nLayer: 1, nHead: 2, dModel: 32, dInner: 64 });
  try {
    const own = loadOwnDataScoreTable(dmcDir);
    const opts = { tasks: [...DMC, 'reach-v2'], episodes: 2, seed: 1, workers: 0, maxEpisodeSteps: 8 };
    const byOriginal = await evaluate(model, opts);
    const byOwn = await evaluate(model, { ...opts, dmcScores: own });
    assert.match(byOriginal.dmcScoreSource!, /the original's data means/);
    assert.match(byOwn.dmcScoreSource!, /our own data means/);
    for (const t of DMC) {
      const a = byOriginal.tasks.find((r) => r.task === t)!;
      const b = byOwn.tasks.find((r) => r.task === t)!;
      assert.deepEqual(b.returns, a.returns, 'same rollouts');
      const { random, data: orig } = ORIGINAL[t]!;
      const ownMean = handReturns(data(t)).reduce((x, y) => x + y) / 3;
      close(a.normalizedScore!, (a.meanReturn - random) / (orig - random), `${t} by original`);
      close(b.normalizedScore!, (b.meanReturn - random) / (ownMean - random), `${t} by own`);
      assert.equal(b.score, b.normalizedScore);
    }
    assert.equal(byOwn.tasks.find((r) => r.task === 'reach-v2')!.score, byOriginal.tasks.find((r) => r.task === 'reach-v2')!.score, 'Meta-World unaffected');
    let stepped = 0;
    await assert.rejects(
      evaluate(model, { ...opts, tasks: ['walker-walk', 'cartpole-swingup', 'hopper-stand'], dmcScores: own, onStep: () => stepped++ }),
      /no data-normalised score reference for cartpole-swingup, hopper-stand in our own data means \(.*unfinished, not used: cartpole-swingup\) \(it has cartpole-balance, walker-walk\)/,
    );
    assert.equal(stepped, 0, 'refused before any rollout');
  } finally {
    model.dispose();
  }
});

test('l2m eval --dmc-data-means: bad paths and malformed JSON are refused clearly', async () => {
  const l2m = async (args: string[]): Promise<string> => {
    try {
      await promisify(execFile)(process.execPath, [path.join(root, 'bin', 'l2m.mjs'), ...args]);
      return '';
    } catch (err) {
      return (err as { stderr: string }).stderr;
    }
  };
  const bad = path.join(tmp, 'bad.json');
  fs.writeFileSync(bad, 'not json');
  assert.match(await l2m(['eval', '--checkpoint', path.join(tmp, 'no-run'), '--tasks', 'walker-walk', '--dmc-data-means', bad]), /bad\.json: malformed JSON/);
  assert.match(await l2m(['eval', '--checkpoint', path.join(tmp, 'no-run'), '--tasks', 'walker-walk', '--dmc-data-means', path.join(tmp, 'absent')]), /absent: no such file or directory/);
});

test('real Meta-World and DMControl windows alternate batch by batch; DMControl states are the environment\'s own 204-d observations', async () => {
  const datasets = [data('walker-walk'), data('reach-v2'), data('cartpole-balance')];
  // Every stored row replayed in an environment that returns the 204-d layout itself (not the stored native one).
  const l2m204 = new Map<string, Float32Array[]>();
  for (const ds of datasets) {
    const env = await makeEnv(ds.meta.task, { maxEpisodeSteps: STEPS });
    const rows: Float32Array[] = [];
    for (let e = 0; e + 1 < ds.episodeOffsets.length; e++) {
      let obs = env.reset(Number(ds.episodeSeeds[e]));
      for (let i = ds.episodeOffsets[e]!; i < ds.episodeOffsets[e + 1]!; i++) {
        rows[i] = Float32Array.from(obs.length === 204 ? obs : [...obs, ...new Array(204 - obs.length).fill(0)]);
        obs = env.step(ds.actions.subarray(i * ds.actDim, (i + 1) * ds.actDim)).obs;
      }
    }
    env.close();
    l2m204.set(ds.meta.task, rows);
  }
  const B = 16;
  const K = 5;
  const sampler = new TrajectorySampler(datasets, { batchSize: B, contextLength: K, seed: 9 });
  assert.deepEqual(sampler.tasks, ['walker-walk', 'reach-v2', 'cartpole-balance']);
  const domains: string[] = [];
  const seen = new Set<string>();
  for (let n = 0; n < 6; n++) {
    const batch = sampler.next();
    domains.push(batch.domain);
    assert.equal(batch.states.length, B * K * 204);
    assert.equal(batch.actions.length, B * K * 6);
    assert.equal(batch.returnsToGo.length, B * K);
    assert.equal(batch.rewardScale, batch.domain === 'metaworld' ? 200 : 100);
    for (let b = 0; b < B; b++) {
      const ds = datasets[batch.taskIds[b]!]!;
      assert.equal(ds.meta.domain, batch.domain, 'every window of a batch is of its domain');
      seen.add(ds.meta.task);
      const rows = l2m204.get(ds.meta.task)!;
      for (let k = 0; k < K; k++) {
        const pos = b * K + k;
        if (batch.attentionMask[pos] === 0) continue;
        const state = batch.states.subarray(pos * 204, (pos + 1) * 204);
        const row = rows.findIndex((r, i) => ds.timesteps[i] === batch.timesteps[pos] && r.every((v, d) => v === state[d]));
        assert.ok(row >= 0, `${ds.meta.task}: window ${b} step ${k} is the environment's 204-d observation of a stored row`);
        for (let d = 0; d < 6; d++) {
          assert.equal(batch.actions[pos * 6 + d], d < ds.actDim ? ds.actions[row * ds.actDim + d] : 0);
          assert.equal(batch.actionMask[pos * 6 + d], d < ds.actDim ? 1 : 0);
        }
        assert.equal(batch.rewards[pos], Math.fround(ds.rewards[row]! / batch.rewardScale));
      }
    }
  }
  assert.deepEqual(domains, ['metaworld', 'dmc', 'metaworld', 'dmc', 'metaworld', 'dmc']);
  assert.deepEqual([...seen].sort(), ['cartpole-balance', 'reach-v2', 'walker-walk']);
});

test('DMControl layouts round-trip: native parts -> 204-d file -> import back to the same native data', async () => {
  for (const t of DMC) {
    const native = data(t);
    assert.equal(native.meta.observation.kind, 'dmc-parts');
    const index = modelStateIndex(native.meta.observation);
    const N = native.rewards.length;
    const wide = new Float32Array(N * 204);
    for (let i = 0; i < N; i++) for (let d = 0; d < native.obsDim; d++) wide[i * 204 + index[d]!] = native.states[i * native.obsDim + d]!;
    const lengths = Int32Array.from({ length: native.episodeOffsets.length - 1 }, (_, e) => native.episodeOffsets[e + 1]! - native.episodeOffsets[e]!);
    const file = path.join(tmp, `${t}-204.npz`);
    saveDataset(file, buildDataset({ ...native.meta, observation: { kind: 'model' } }, { states: wide, actions: native.actions, rewards: native.rewards, terminals: native.terminals, timeouts: native.timeouts, episodeLengths: lengths, episodeSeeds: Float64Array.from(native.episodeSeeds, Number) }));
    assert.deepEqual(loadDataset(file).meta.observation, { kind: 'model' });
    const { dataset: back } = await importRelease(file, t);
    assert.deepEqual(back.meta.observation, native.meta.observation, `${t}: the registered task's parts`);
    assert.deepEqual(back.states, native.states);
    assert.deepEqual(back.actions, native.actions);
    assert.deepEqual(back.rewards, native.rewards);
    assert.deepEqual(back.episodeOffsets, native.episodeOffsets);
  }
});

test('pre-training reads DMControl from data.dmcDir and refuses, before training, eval tasks missing from eval.dmcDataMeans', async () => {
  const cfg = (name: string, extra: Record<string, unknown> = {}) =>
    parsePretrainConfig({
      name,
      outDir: path.join(tmp, 'runs'),
      model: { nLayer: 1, nHead: 2, dModel: 32, contextLength: 5 },
      data: { dir: mwDir, dmcDir, tasks: ['reach-v2', ...DMC] },
      train: { steps: 3, batchSize: 8, accumulation: 2, warmupSteps: 1, logEvery: 1, checkpointEvery: 10 },
      eval: { atEnd: false, dmcDataMeans: dmcDir },
      ...extra,
    });
  const r = await pretrain(cfg('mixed'));
  assert.equal(r.updates, 3);
  assert.ok(r.losses.every(Number.isFinite));
  let updates = 0;
  await assert.rejects(
    pretrain(cfg('missing-ref', { eval: { atEnd: false, dmcDataMeans: dmcDir, tasks: ['walker-walk', 'cheetah-run'] } }), { hooks: { onUpdate: () => updates++ } }),
    /no data-normalised score reference for cheetah-run in our own data means/,
  );
  assert.equal(updates, 0);
  await assert.rejects(pretrain(cfg('bad-means', { eval: { atEnd: false, dmcDataMeans: path.join(tmp, 'no-means.json') } })), /no-means\.json: no such file or directory/);
  await assert.rejects(pretrain(cfg('no-dmc-dir', { data: { dir: mwDir, tasks: ['reach-v2', 'walker-walk'] } })), /data\.tasks has DMControl tasks \(walker-walk\) but no DMControl data in .*mw: set data\.dmcDir/);
});
