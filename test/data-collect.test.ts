// Collection: seeded episodes, crash-safe commits, resume (also after SIGKILL), parallel workers, noise schedule, after-success hold, stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/envs/rng.ts';
import { boxSpace, type Env, type StepResult } from '../src/envs/types.ts';
import { collect } from '../src/data/collect.ts';
import { metaWorldHold, noisyExpertPolicy, randomCollectPolicy } from '../src/data/collect-policy.ts';
import { collectTasks, runTask } from '../src/data/collect-tasks.ts';
import { loadDataset, type Dataset } from '../src/data/dataset.ts';
import { partialDir, readPartial } from '../src/data/episode-writer.ts';
import { DEFAULT_NOISE_SCHEDULE, noiseAt, parseNoiseSchedule } from '../src/data/noise-schedule.ts';
import { deriveSeed } from '../src/data/seeds.ts';
import { datasetStats, quantile, statsOf } from '../src/data/stats.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-data-collect-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const dir = (name: string): string => path.join(tmp, name);

/** A 3-d point pushed by 2-d actions toward the origin; success within 0.3; 7-step episodes. */
class ToyEnv implements Env {
  readonly name = 'toy-v2';
  readonly domain = 'metaworld' as const;
  readonly observationSpace = boxSpace([-Infinity, -Infinity, -Infinity], [Infinity, Infinity, Infinity]);
  readonly actionSpace = boxSpace([-1, -1], [1, 1]);
  readonly maxEpisodeSteps = 7;
  elapsedSteps = 0;
  private p = new Float64Array(3);
  resets: number[] = [];
  reset(seed?: number): Float64Array {
    const rng = new Rng(seed ?? 0);
    this.resets.push(seed ?? -1);
    this.p = Float64Array.of(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1));
    this.elapsedSteps = 0;
    return this.p.slice();
  }
  step(a: ArrayLike<number>): StepResult {
    this.p[0] += 0.2 * a[0];
    this.p[1] += 0.2 * a[1];
    this.elapsedSteps++;
    const d = Math.hypot(this.p[0], this.p[1], this.p[2]);
    return { obs: this.p.slice(), reward: 1 - d, terminated: false, truncated: this.elapsedSteps >= this.maxEpisodeSteps, info: { success: d < 0.3 ? 1 : 0 } };
  }
  close(): void {}
}

const expert = { act: (obs: Float64Array): Float64Array => Float64Array.of(-3 * obs[0], -3 * obs[1]) };
const toyPolicy = (): ReturnType<typeof noisyExpertPolicy> => noisyExpertPolicy(expert, boxSpace([-1, -1], [1, 1]));

function sameData(a: Dataset, b: Dataset): void {
  for (const k of ['states', 'actions', 'rewards', 'terminals', 'timeouts', 'successes', 'episodeOffsets', 'episodeSeeds', 'returnsToGo'] as const) {
    assert.deepEqual(a[k], b[k], k);
  }
}

test('collect: seeded episodes, clipped actions, data that replays in the environment', async () => {
  const env = new ToyEnv();
  const r = await collect('toy-v2', toyPolicy(), { out: dir('a'), episodes: 12, seed: 4, env });
  assert.deepEqual(r, { task: 'toy-v2', path: path.join(dir('a'), 'toy-v2.npz'), episodes: 12, transitions: 84, skipped: false, stopped: false });
  assert.ok(!fs.existsSync(partialDir(dir('a'), 'toy-v2')));
  const ds = loadDataset(r.path, { verify: true });
  assert.equal(ds.meta.collector.kind, 'scripted');
  assert.deepEqual(ds.meta.collector.settings.schedule, DEFAULT_NOISE_SCHEDULE);
  assert.equal(ds.meta.seed, 4);
  assert.deepEqual([...ds.episodeSeeds], Array.from({ length: 12 }, (_, e) => deriveSeed(4, 'toy-v2', e, 'reset')));
  assert.deepEqual(env.resets, [...ds.episodeSeeds]);
  assert.ok(ds.actions.every((a) => a >= -1 && a <= 1));
  assert.deepEqual([...ds.timeouts].map((t, i) => (t ? i : -1)).filter((i) => i >= 0), Array.from({ length: 12 }, (_, e) => 7 * e + 6));
  // Replaying the stored actions from the stored seeds reproduces the stored states and rewards.
  const replay = new ToyEnv();
  for (let e = 0; e < 12; e++) {
    let obs = replay.reset(ds.episodeSeeds[e]);
    for (let t = 0; t < 7; t++) {
      const i = 7 * e + t;
      assert.deepEqual([...ds.states.subarray(3 * i, 3 * i + 3)], [...Float32Array.from(obs)]);
      const s = replay.step(ds.actions.subarray(2 * i, 2 * i + 2));
      assert.equal(ds.rewards[i], Math.fround(s.reward));
      assert.equal(ds.successes![i], s.info.success);
      obs = s.obs;
    }
  }
  // The schedule's first episode is fully random, the last is the expert with 2.5% noise: returns improve.
  const returns = Array.from({ length: 12 }, (_, e) => ds.rewards.subarray(7 * e, 7 * e + 7).reduce((a, b) => a + b, 0));
  assert.ok(returns.slice(-4).reduce((a, b) => a + b) > returns.slice(0, 4).reduce((a, b) => a + b));
  // Same seed, same data; another seed, other data.
  const again = await collect('toy-v2', toyPolicy(), { out: dir('a2'), episodes: 12, seed: 4, env: new ToyEnv() });
  sameData(loadDataset(again.path), ds);
  const other = await collect('toy-v2', toyPolicy(), { out: dir('a3'), episodes: 12, seed: 5, env: new ToyEnv() });
  assert.notDeepEqual(loadDataset(other.path).states, ds.states);
});

test("labels 'expert' (DART): the same noisy episodes, each step stored with the expert's clipped action", async () => {
  const space = boxSpace([-1, -1], [1, 1]);
  const schedule = [{ at: 0, std: 0.3, randomProb: 0.2 }];
  const executed = loadDataset((await collect('toy-v2', noisyExpertPolicy(expert, space, schedule), { out: dir('lab-exec'), episodes: 6, seed: 3, env: new ToyEnv() })).path);
  const labelled = loadDataset((await collect('toy-v2', noisyExpertPolicy(expert, space, schedule, 'scripted', 'expert'), { out: dir('lab-expert'), episodes: 6, seed: 3, env: new ToyEnv() })).path);
  assert.deepEqual(labelled.states, executed.states, 'the environment saw the same (noisy) actions');
  assert.deepEqual(labelled.rewards, executed.rewards);
  assert.notDeepEqual(labelled.actions, executed.actions);
  for (let i = 0; i < labelled.rewards.length; i++) {
    // States are stored in float32, the expert acted on float64 observations: equal to float32 precision.
    const want = expert.act(Float64Array.from(labelled.states.subarray(3 * i, 3 * i + 3))).map((v) => Math.max(-1, Math.min(1, v)));
    for (let j = 0; j < 2; j++) assert.ok(Math.abs(labelled.actions[2 * i + j]! - want[j]!) < 1e-5, `step ${i}: ${labelled.actions[2 * i + j]} vs ${want[j]}`);
  }
  assert.equal(labelled.meta.collector.settings.labels, 'expert');
  assert.equal(executed.meta.collector.settings.labels, undefined, 'executed labels keep the settings of older datasets');
  // Resuming with other labels is another collection.
  await assert.rejects(collect('toy-v2', noisyExpertPolicy(expert, space, schedule), { out: dir('lab-expert'), episodes: 6, seed: 3, env: new ToyEnv(), resume: true }), /complete but was collected with other settings/);
  assert.throws(() => noisyExpertPolicy(expert, space, schedule, 'scripted', 'noisy' as never), /action labels must be one of executed, expert, got 'noisy'/);
});

test('existing output: refused without --resume/--force; resume requires the same settings; a complete run is skipped', async () => {
  const out = dir('b');
  await collect('toy-v2', toyPolicy(), { out, episodes: 3, env: new ToyEnv() });
  await assert.rejects(collect('toy-v2', toyPolicy(), { out, episodes: 3, env: new ToyEnv() }), /toy-v2\.npz already exists \(pass --force/);
  const skipped = await collect('toy-v2', toyPolicy(), { out, episodes: 3, env: new ToyEnv(), resume: true });
  assert.equal(skipped.skipped, true);
  const quiet = noisyExpertPolicy(expert, boxSpace([-1, -1], [1, 1]), parseNoiseSchedule('expert'));
  await assert.rejects(collect('toy-v2', quiet, { out, episodes: 3, env: new ToyEnv(), resume: true }), /complete but was collected with other settings/);
  await assert.rejects(collect('toy-v2', toyPolicy(), { out, episodes: 5, env: new ToyEnv(), resume: true }), /complete with 3 episodes \(seed 0\); asked for 5/);
  const forced = await collect('toy-v2', toyPolicy(), { out, episodes: 2, env: new ToyEnv(), force: true });
  assert.equal(forced.episodes, 2);

  const out2 = dir('b2');
  let n = 0;
  const stopped = await collect('toy-v2', toyPolicy(), { out: out2, episodes: 6, env: new ToyEnv(), shouldStop: () => n++ >= 2 });
  assert.equal(stopped.stopped, true);
  await assert.rejects(collect('toy-v2', toyPolicy(), { out: out2, episodes: 6, env: new ToyEnv() }), /unfinished collection \(pass --resume/);
  await assert.rejects(collect('toy-v2', toyPolicy(), { out: out2, episodes: 6, seed: 9, env: new ToyEnv(), resume: true }), /cannot resume with different settings \(seed\)/);
  await assert.rejects(collect('toy-v2', randomCollectPolicy(boxSpace([-1, -1], [1, 1])), { out: out2, episodes: 6, env: new ToyEnv(), resume: true }), /cannot resume with different settings \(policy\)/);
});

test('stop, read the committed episodes, resume: identical to an uninterrupted run; garbage past the commit is ignored', async () => {
  const full = await collect('toy-v2', toyPolicy(), { out: dir('c-full'), episodes: 10, seed: 2, env: new ToyEnv() });
  const out = dir('c');
  let n = 0;
  const r1 = await collect('toy-v2', toyPolicy(), { out, episodes: 10, seed: 2, env: new ToyEnv(), shouldStop: () => n++ >= 4 });
  assert.deepEqual([r1.stopped, r1.episodes, r1.transitions], [true, 4, 28]);
  const part = readPartial(partialDir(out, 'toy-v2'));
  assert.equal(part.meta.counts.episodes, 4);
  assert.deepEqual(part.states, loadDataset(full.path).states.subarray(0, 28 * 3));
  assert.equal(statsOf(out)[0].partial, true);
  // A crash after writing columns but before the manifest leaves bytes past the committed end.
  fs.appendFileSync(path.join(partialDir(out, 'toy-v2'), 'states.bin'), Buffer.alloc(100, 7));
  const env = new ToyEnv();
  const r2 = await collect('toy-v2', toyPolicy(), { out, episodes: 10, seed: 2, env, resume: true });
  assert.deepEqual(env.resets, Array.from({ length: 6 }, (_, i) => deriveSeed(2, 'toy-v2', i + 4, 'reset')));
  assert.equal(r2.episodes, 10);
  sameData(loadDataset(r2.path, { verify: true }), loadDataset(full.path));
});

test('a collector killed (SIGKILL) mid-run keeps its finished episodes and resumes to the same data', async () => {
  const out = dir('kill');
  const episodes = 20;
  const child = spawn(process.execPath, [path.join(root, 'bin/l2m.mjs'), 'data', 'collect', '--tasks', 'reach-v2', '--episodes', String(episodes), '--out', out, '--workers', '1', '--seed', '3'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const manifest = path.join(partialDir(out, 'reach-v2'), 'manifest.json');
  let killedAt = -1;
  for (let i = 0; i < 2400 && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 25));
    if (!fs.existsSync(manifest)) continue;
    const committed = JSON.parse(fs.readFileSync(manifest, 'utf8')).episodes as number;
    if (committed >= 3) {
      child.kill('SIGKILL');
      killedAt = committed;
      break;
    }
  }
  assert.equal(await exited, 'SIGKILL', `collector was not killed mid-run (stderr: ${stderr})`);
  const part = readPartial(partialDir(out, 'reach-v2'));
  const k = part.meta.counts.episodes;
  assert.ok(k >= killedAt && k < episodes, `committed ${k} episodes`);
  assert.deepEqual([...part.episodeOffsets], Array.from({ length: k + 1 }, (_, e) => 200 * e));
  assert.ok(!fs.existsSync(path.join(out, 'reach-v2.npz')));
  const job = { out, episodes, seed: 3, policy: { kind: 'auto', schedule: DEFAULT_NOISE_SCHEDULE, afterSuccess: 'hold' } };
  const seen: number[] = [];
  const resumed = await runTask('reach-v2', { ...job, resume: true }, { onEpisode: (e) => seen.push(e.episode) });
  assert.deepEqual(seen, Array.from({ length: episodes - k }, (_, i) => k + i));
  const whole = await runTask('reach-v2', { ...job, out: dir('kill-whole') });
  sameData(loadDataset(resumed.path, { verify: true }), loadDataset(whole.path));
});

test('parallel workers (child processes) produce the same datasets as one process; DMControl stores its native parts', async () => {
  const tasks = ['reach-v2', 'cartpole-balance'];
  const job = { episodes: 2, seed: 1, maxEpisodeSteps: 30, policy: { kind: 'auto', schedule: DEFAULT_NOISE_SCHEDULE } };
  const started: string[] = [];
  const par = await collectTasks(tasks, { ...job, out: dir('par'), workers: 2, onTaskStart: (t) => started.push(t) });
  assert.deepEqual(par.failures, []);
  assert.deepEqual(started.sort(), [...tasks].sort());
  const seq = await collectTasks(tasks, { ...job, out: dir('seq'), workers: 1 });
  for (const t of tasks) sameData(loadDataset(path.join(dir('par'), `${t}.npz`)), loadDataset(path.join(dir('seq'), `${t}.npz`)));
  const cart = loadDataset(path.join(dir('par'), 'cartpole-balance.npz'));
  assert.deepEqual(cart.meta.observation, { kind: 'dmc-parts', parts: [{ name: 'position', size: 3 }, { name: 'velocity', size: 2 }] });
  assert.equal(cart.meta.collector.kind, 'random');
  assert.equal(cart.successes, undefined);
  assert.equal(loadDataset(path.join(dir('par'), 'reach-v2.npz')).meta.collector.kind, 'scripted');
  const bad = await collectTasks(['reach-v2'], { ...job, out: dir('par'), workers: 2 });
  assert.match(bad.failures[0]?.error ?? '', /reach-v2\.npz already exists/);
});

test('noise schedule: interpolation, presets, JSON, and errors', () => {
  const s = DEFAULT_NOISE_SCHEDULE;
  assert.deepEqual(noiseAt(s, 0), { std: 0.5, randomProb: 1 });
  const mid = noiseAt(s, 0.15); // halfway between the knots at 0.05 (0.5, 0.5) and 0.25 (0.25, 0.1)
  assert.ok(Math.abs(mid.std - 0.375) < 1e-12 && Math.abs(mid.randomProb - 0.3) < 1e-12, JSON.stringify(mid));
  assert.deepEqual(noiseAt(s, 1), { std: 0.025, randomProb: 0 });
  assert.equal(parseNoiseSchedule('expert')[0].std, 0);
  assert.deepEqual(parseNoiseSchedule('[{"at":0,"std":0.2,"randomProb":0.1}]'), [{ at: 0, std: 0.2, randomProb: 0.1 }]);
  const file = path.join(tmp, 'sched.json');
  fs.writeFileSync(file, JSON.stringify([{ at: 0, std: 1, randomProb: 0 }, { at: 1, std: 0, randomProb: 0 }]));
  assert.equal(parseNoiseSchedule(file).length, 2);
  assert.throws(() => parseNoiseSchedule('[{"at":0,"std":-1,"randomProb":0}]'), /0\.std: .*>=0/);
  assert.throws(() => parseNoiseSchedule('[{"at":0.5,"std":0,"randomProb":0},{"at":0.5,"std":0,"randomProb":0}]'), /strictly increasing 'at'/);
  assert.throws(() => parseNoiseSchedule('nope'), /neither a preset \(replay, expert, noisy-expert, random, uniform\)/);
  assert.throws(() => parseNoiseSchedule('[{'), /invalid JSON/);
  // std 0 / randomProb 0 is the expert itself; randomProb 1 never asks the expert.
  const space = boxSpace([-1, -1], [1, 1]);
  const exact = noisyExpertPolicy(expert, space, [{ at: 0, std: 0, randomProb: 0 }]);
  exact.beginEpisode!({ task: 't', episode: 0, episodes: 1, seed: 0, rng: new Rng(1) });
  assert.deepEqual([...exact.act(Float64Array.of(0.1, -0.2, 0))], [-0.30000000000000004, 0.6000000000000001]);
  let asked = 0;
  const rand = noisyExpertPolicy({ act: (o) => (asked++, expert.act(o)) }, space, [{ at: 0, std: 0, randomProb: 1 }]);
  rand.beginEpisode!({ task: 't', episode: 0, episodes: 1, seed: 0, rng: new Rng(1) });
  for (let i = 0; i < 50; i++) rand.act(Float64Array.of(0, 0, 0));
  assert.equal(asked, 0);
});

test('stats: numpy-style quantiles, final-step and any-step success', async () => {
  assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantile([5], 0.9), 5);
  const r = await collect('toy-v2', toyPolicy(), { out: dir('s'), episodes: 5, env: new ToyEnv() });
  const ds = loadDataset(r.path);
  const st = datasetStats(ds, r.path);
  const returns = Array.from({ length: 5 }, (_, e) => ds.rewards.subarray(7 * e, 7 * e + 7).reduce((a, b) => a + b, 0));
  assert.ok(Math.abs(st.returns.mean - returns.reduce((a, b) => a + b) / 5) < 1e-9);
  assert.equal(st.returns.min, Math.min(...returns));
  const last = Array.from({ length: 5 }, (_, e) => ds.successes![7 * e + 6]);
  const any = Array.from({ length: 5 }, (_, e) => (ds.successes!.subarray(7 * e, 7 * e + 7).some((x) => x) ? 1 : 0));
  assert.equal(st.successRate, last.reduce((a: number, b) => a + b, 0) / 5);
  assert.equal(st.anySuccessRate, any.reduce((a: number, b) => a + b, 0) / 5);
});

test('non-finite observations, rewards or actions stop the collection with the episode and step', async () => {
  class NanEnv extends ToyEnv {
    override step(a: ArrayLike<number>): StepResult {
      const r = super.step(a);
      return this.elapsedSteps === 3 ? { ...r, reward: NaN } : r;
    }
  }
  await assert.rejects(collect('toy-v2', toyPolicy(), { out: dir('nan'), episodes: 2, env: new NanEnv() }), /toy-v2: the environment returned reward NaN \(episode 0, step 2\)/);
  const nanPolicy = { act: (): Float64Array => Float64Array.of(0, NaN) };
  await assert.rejects(collect('toy-v2', nanPolicy, { out: dir('nan2'), episodes: 1, env: new ToyEnv() }), /policy returned action\[1\] = NaN \(episode 0, step 0\)/);
});

test("after-success 'hold': the hold action follows every successful step; recorded only when not 'continue'; resume and bad values refused clearly", async () => {
  const space = boxSpace([-1, -1], [1, 1]);
  const schedule = [{ at: 0, std: 0, randomProb: 0 }];
  // The toy's hold: push on the first coordinate's sign (a recognisable action), the second as the expert last gave it.
  const seenLast: (number | undefined)[] = [];
  const toyHold = (obs: Float64Array, last: Float64Array | undefined): Float64Array => (seenLast.push(last?.[1]), Float64Array.of(0.5, last?.[1] ?? 9));
  const held = loadDataset((await collect('toy-v2', noisyExpertPolicy(expert, space, schedule, 'scripted', 'executed', 'hold', toyHold), { out: dir('hold'), episodes: 6, seed: 1, env: new ToyEnv() })).path);
  const cont = loadDataset((await collect('toy-v2', noisyExpertPolicy(expert, space, schedule, 'scripted', 'executed', 'continue', toyHold), { out: dir('hold-cont'), episodes: 6, seed: 1, env: new ToyEnv() })).path);
  let holds = 0;
  for (let e = 0; e < 6; e++) {
    let expertSecond = NaN;
    for (let t = 0; t < 7; t++) {
      const i = 7 * e + t;
      const afterSuccess = t > 0 && held.successes![i - 1] === 1;
      const a = [...held.actions.subarray(2 * i, 2 * i + 2)];
      if (afterSuccess) {
        holds++;
        assert.equal(a[0], 0.5, `episode ${e} step ${t}: the hold action after a successful step`);
        assert.equal(a[1], expertSecond, 'the second value as the expert last gave it');
      } else {
        const want = expert.act(Float64Array.from(held.states.subarray(3 * i, 3 * i + 3))).map((v) => Math.max(-1, Math.min(1, v)));
        assert.ok(Math.abs(a[0]! - want[0]!) < 1e-5 && Math.abs(a[1]! - want[1]!) < 1e-5, `episode ${e} step ${t}: the expert acts until a step succeeds`);
        expertSecond = a[1]!;
      }
    }
  }
  assert.ok(holds > 0, 'some steps followed a success');
  assert.ok(seenLast.every((v) => v !== undefined), 'the hold saw the expert\'s last action');
  // 'continue' never holds and keeps the settings of older datasets.
  assert.ok(![...cont.actions].some((v, k) => k % 2 === 0 && v === 0.5));
  assert.equal(held.meta.collector.settings.afterSuccess, 'hold');
  assert.equal(cont.meta.collector.settings.afterSuccess, undefined);
  assert.deepEqual(Object.keys(cont.meta.collector.settings).sort(), ['episodes', 'maxEpisodeSteps', 'schedule']);
  // Resuming with the other behaviour is refused, naming both, for complete and for unfinished output.
  const contPolicy = (): ReturnType<typeof noisyExpertPolicy> => noisyExpertPolicy(expert, space, schedule, 'scripted', 'executed', 'continue', toyHold);
  const holdPolicy = (): ReturnType<typeof noisyExpertPolicy> => noisyExpertPolicy(expert, space, schedule, 'scripted', 'executed', 'hold', toyHold);
  await assert.rejects(collect('toy-v2', contPolicy(), { out: dir('hold'), episodes: 6, seed: 1, env: new ToyEnv(), resume: true }), /toy-v2\.npz was collected with --after-success hold, this run asks for continue: pass --after-success hold to resume it/);
  await assert.rejects(
    collect('toy-v2', holdPolicy(), { out: dir('hold-cont'), episodes: 6, seed: 1, env: new ToyEnv(), resume: true }),
    /toy-v2\.npz was collected with --after-success continue \(the behaviour before the option existed\), this run asks for hold: pass --after-success continue/,
  );
  let n = 0;
  await collect('toy-v2', holdPolicy(), { out: dir('hold-part'), episodes: 6, seed: 1, env: new ToyEnv(), shouldStop: () => n++ >= 2 });
  await assert.rejects(collect('toy-v2', contPolicy(), { out: dir('hold-part'), episodes: 6, seed: 1, env: new ToyEnv(), resume: true }), /toy-v2\.partial was collected with --after-success hold, this run asks for continue/);
  const resumed = await collect('toy-v2', holdPolicy(), { out: dir('hold-part'), episodes: 6, seed: 1, env: new ToyEnv(), resume: true });
  sameData(loadDataset(resumed.path), held);
  // Bad values: the API and the CLI name the choices.
  assert.throws(() => noisyExpertPolicy(expert, space, schedule, 'scripted', 'executed', 'stay' as never), /after-success behaviour must be one of hold, continue, got 'stay'/);
  const cli = spawnSync(process.execPath, [path.join(root, 'bin/l2m.mjs'), 'data', 'collect', '--tasks', 'reach-v2', '--episodes', '1', '--out', dir('hold-cli'), '--after-success', 'stay'], { cwd: root, encoding: 'utf8' });
  assert.notEqual(cli.status, 0);
  assert.match(cli.stderr, /--after-success must be one of hold, continue, got 'stay'/);
  assert.ok(!fs.existsSync(path.join(dir('hold-cli'), 'reach-v2.npz')));
  assert.throws(() => metaWorldHold(Float64Array.of(0, 0, 0), undefined), /observations have 39 values/);
});

test("after-success 'hold' keeps faucet-open-v2 solved to step 200 (its expert turns the faucet past the goal); resumes bit-identically", async () => {
  // faucet-open's expert keeps pushing the handle round after success: 0% success at step 200 (docs/metaworld-experts.md).
  const noisy = parseNoiseSchedule('noisy-expert');
  const job = (afterSuccess: string, out: string, extra = {}) => ({ out: dir(out), episodes: 4, seed: 0, policy: { kind: 'auto', schedule: noisy, afterSuccess }, ...extra });
  const last = (ds: Dataset): number[] => Array.from({ length: 4 }, (_, e) => ds.successes![ds.episodeOffsets[e + 1]! - 1]!);
  const cont = loadDataset((await runTask('faucet-open-v2', job('continue', 'faucet-cont'))).path);
  const held = loadDataset((await runTask('faucet-open-v2', job('hold', 'faucet-hold'))).path);
  assert.deepEqual(last(cont), [0, 0, 0, 0], 'the expert alone fails at step 200');
  assert.ok(cont.successes!.some((s) => s === 1), 'after succeeding earlier');
  assert.deepEqual(last(held), [1, 1, 1, 1], 'holding keeps the final-step success');
  assert.equal(held.meta.collector.settings.afterSuccess, 'hold');
  // Each episode is still a function of its seeds: stop after 2 episodes, resume, same bytes.
  let n = 0;
  const stopped = await runTask('faucet-open-v2', job('hold', 'faucet-hold-part'), { shouldStop: () => n++ >= 2 });
  assert.equal(stopped.episodes, 2);
  const resumed = await runTask('faucet-open-v2', job('hold', 'faucet-hold-part', { resume: true }));
  sameData(loadDataset(resumed.path, { verify: true }), held);
});
