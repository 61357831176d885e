// Batched SAC: many tasks' agents trained as one equal separate agents bit for bit; the batched
// `data collect --policy sac` stores the task-by-task datasets exactly (in one process or split over
// several), resumes after interruptions (also between two tasks' commits, and after SIGKILL of the CLI
// at several moments), and rejects bad input clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { Rng } from '../src/envs/rng.ts';
import { SacAgent, squashedAction, type UpdateNoise } from '../src/rl/sac.ts';
import type { SacBatch } from '../src/rl/replay-buffer.ts';
import type { SacConfig } from '../src/rl/sac-config.ts';
import { BatchedSacAgent } from '../src/rl/batched-sac.ts';
import { collectSacBatched, type SacBatchedCollectOptions } from '../src/rl/sac-batched-collect.ts';
import { sacStateDir } from '../src/rl/sac-collect.ts';
import { runTask } from '../src/data/collect-tasks.ts';
import { loadDataset } from '../src/data/dataset.ts';
import { partialDir } from '../src/data/episode-writer.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TINY = { hidden: [32, 32], batchSize: 32, seedSteps: 100 };
const TASKS = ['cartpole-swingup', 'pendulum-swingup', 'cartpole-balance']; // cartpoles: one shape group
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-sac-batched-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
// One BLAS thread everywhere: in this process, in the l2m commands it starts and in their SAC child
// processes (which otherwise get cores / processes threads). With some OpenBLAS kernels (Prescott,
// Haswell) the thread count changes the last bits of matrix products, and the tests compare
// collections made in different processes bit for bit.
process.env.L2M_BLAS_THREADS = '1';
torch.setBlasThreads(1);

/** Every tensor of `a` and `b` (same keys) holds the same bits. */
function assertSameTensors(a: Record<string, torch.Tensor>, b: Record<string, torch.Tensor>, what: string): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${what}: keys`);
  for (const k of Object.keys(a)) {
    assert.deepEqual(a[k]!.shape, b[k]!.shape, `${what}: ${k} shape`);
    assert.ok(a[k]!.equal(b[k]!), `${what}: ${k} differs`);
  }
}

function randomInputs(dims: [number, number][], B: number, u: number): [SacBatch, UpdateNoise][] {
  return dims.map(([o, a], t) => {
    torch.manualSeed(1000 * u + t);
    const notDone = torch.tensor(Float32Array.from({ length: B }, (_, i) => (i % 7 === 3 ? 0 : 1)), { shape: [B, 1] });
    const batch = { obs: torch.randn([B, o]), action: torch.rand([B, a]).mul(2).sub(1), reward: torch.rand([B, 1]), nextObs: torch.randn([B, o]), notDone };
    return [batch, { next: torch.randn([B, a]), current: torch.randn([B, a]) }];
  });
}

test('BatchedSacAgent equals separate SacAgents bit for bit (mixed shapes, shared shape groups, depth 1 and 2)', () => {
  // (obs, action) sizes: two shape groups of two and two single tasks; B = 48 takes the per-task softplus path.
  const dims: [number, number][] = [[5, 1], [24, 6], [5, 1], [3, 1], [24, 6], [12, 2]];
  const cases: [Partial<SacConfig>, number, number][] = [
    [{ hidden: [32, 32], batchSize: 48, targetUpdateEvery: 2, tau: 0.05 }, 48, 7],
    [{ hidden: [16], batchSize: 32, actorUpdateEvery: 2, initTemperature: 0.3 }, 32, 5],
  ];
  for (const [config, B, updates] of cases) {
    const make = (): SacAgent[] =>
      dims.map(([o, a], t) => {
        torch.manualSeed(100 + t);
        return new SacAgent(o, a, config);
      });
    const singles = make();
    const mirrors = make();
    const batched = BatchedSacAgent.fromAgents(mirrors);
    for (let u = 0; u < updates; u++) {
      torch.tidy(() => {
        const inputs = randomInputs(dims, B, u);
        const want = singles.map((s, t) => s.update(...inputs[t]!));
        assert.deepEqual(batched.update(inputs), want, `update ${u}: per-task statistics`);
      });
    }
    // Acting: the batched head samples the same actions as each agent's act().
    const obs = dims.map(([o], t) => Float64Array.from({ length: o }, (_, i) => Math.sin(t + i)));
    const heads = batched.head(obs);
    singles.forEach((s, t) => {
      assert.deepEqual(squashedAction(heads[t]!.mu, heads[t]!.std, new Rng(t)), s.act(obs[t]!, new Rng(t)), `task ${t}: sampled action`);
      assert.deepEqual(squashedAction(heads[t]!.mu, undefined, undefined), s.act(obs[t]!), `task ${t}: deterministic action`);
    });
    batched.writeBack(mirrors);
    singles.forEach((s, t) => {
      const a = s.stateDict();
      const b = mirrors[t]!.stateDict();
      assertSameTensors(a.tensors, b.tensors, `task ${t} (hidden ${config.hidden!.join('x')})`);
      assert.deepEqual(b.meta, a.meta, `task ${t}: optimiser metadata and update count`);
    });
    // A batch rebuilt from the written-back agents continues identically (the checkpoint round trip).
    const again = BatchedSacAgent.fromAgents(mirrors);
    torch.tidy(() => {
      const inputs = randomInputs(dims, B, 99);
      assert.deepEqual(again.update(inputs), singles.map((s, t) => s.update(...inputs[t]!)));
    });
    again.dispose();
    batched.dispose();
    for (const a of [...singles, ...mirrors]) a.dispose();
  }
  // Tasks of one batch share a config and an update count.
  const a = new SacAgent(5, 1, { hidden: [8], batchSize: 8 });
  const b = new SacAgent(5, 1, { hidden: [8], batchSize: 16 });
  assert.throws(() => BatchedSacAgent.fromAgents([a, b]), /task 1's SAC config differs/);
  a.dispose();
  b.dispose();
});

const collectOpts = (out: string, extra: Partial<SacBatchedCollectOptions> = {}): SacBatchedCollectOptions => ({
  tasks: TASKS,
  out,
  episodes: 3,
  seed: 5,
  config: TINY,
  maxEpisodeSteps: 100,
  workers: 0,
  ...extra,
});

/** The dataset files of two collections hold the same data and metadata (but their creation time). */
function assertSameDatasets(outA: string, outB: string, tasks = TASKS): void {
  for (const task of tasks) {
    const a = loadDataset(path.join(outA, `${task}.npz`));
    const b = loadDataset(path.join(outB, `${task}.npz`));
    assert.deepEqual({ ...a.meta, created: null }, { ...b.meta, created: null }, `${task}: metadata (checksum included)`);
    for (const k of ['states', 'actions', 'rewards', 'terminals', 'timeouts', 'episodeOffsets'] as const) assert.deepEqual(a[k], b[k], `${task}: ${k}`);
  }
}

/** The agents kept beside two collections (the last episode's slot) are identical. */
function assertSameAgents(outA: string, outB: string, slot: string, tasks = TASKS): void {
  for (const task of tasks) {
    const [a, b] = [outA, outB].map((o) => torch.loadSafetensors(path.join(sacStateDir(o, task), slot, 'agent.safetensors')).tensors);
    assertSameTensors(a!, b!, `${task} agent`);
    torch.dispose([a, b]);
  }
}

/** The uninterrupted batched collection the resumed ones are compared with (made by the first test that needs it). */
let straightRun: Promise<string> | undefined;
function straight(): Promise<string> {
  const out = path.join(tmp, 'straight');
  straightRun ??= collectSacBatched(collectOpts(out)).then(() => out);
  return straightRun;
}

test('batched collection of 3 tasks stores exactly the task-by-task sac datasets, seed for seed', async () => {
  const batched = path.join(tmp, 'batched');
  const progress: number[] = [];
  const seen: string[] = [];
  const r = await collectSacBatched(collectOpts(batched, { progressEvery: 25, onProgress: (m) => progress.push(m.get('pendulum-swingup')!), onEpisode: (e) => seen.push(`${e.task}:${e.episode}`) }));
  assert.equal(r.stopped, false);
  assert.deepEqual(r.results.map((x) => [x.task, x.episodes, x.transitions, x.skipped]), TASKS.map((t) => [t, 3, 300, false]));
  assert.deepEqual(seen, [0, 1, 2].flatMap((e) => TASKS.map((t) => `${t}:${e}`)), 'every task reports every episode');
  assert.deepEqual(progress.slice(0, 5), [0, 25, 50, 75, 100]);
  assert.equal(progress.at(-1), 300);

  const single = path.join(tmp, 'single');
  for (const task of TASKS) await runTask(task, { out: single, episodes: 3, seed: 5, maxEpisodeSteps: 100, policy: { kind: 'sac', config: TINY } });
  assertSameDatasets(batched, single);
  assertSameAgents(batched, single, 'odd');
  assertSameDatasets(await straight(), single);

  // Worker threads step the environments to the same data; --steps is episodes x length.
  const threaded = path.join(tmp, 'threaded');
  const t = await collectSacBatched(collectOpts(threaded, { workers: 2, episodes: undefined, steps: 300 }));
  assert.equal(t.episodes, 3);
  assertSameDatasets(threaded, single);
});

test('split over processes, the collection stores the same data, stops on request, resumes, and refuses cleanly', async () => {
  const reference = await straight();
  const out = path.join(tmp, 'processes');
  const seen: string[] = [];
  let starts = 0;
  // Stop after 3 episodes in all, or as soon as one task has 2: the two processes run at their own
  // speeds (a loaded machine can starve one), so a count over all tasks alone could let the faster
  // group finish before the stop reaches it.
  const episodesOf = (t: string): number => seen.filter((s) => s.startsWith(`${t}:`)).length;
  const first = await collectSacBatched(
    collectOpts(out, { processes: 2, onStart: () => starts++, onEpisode: (e) => seen.push(`${e.task}:${e.episode}`), shouldStop: () => seen.length >= 3 || TASKS.some((t) => episodesOf(t) >= 2) }),
  );
  assert.equal(first.stopped, true);
  assert.equal(starts, 1);
  // A process whose group is faster (one task against two) may finish before the stop reaches it: each
  // task is either stopped short or complete, and at least one was stopped short.
  assert.ok(first.results.every((x) => (x.stopped ? x.episodes < 3 : x.episodes === 3 && x.path.endsWith('.npz'))), JSON.stringify(first.results));
  assert.ok(first.results.some((x) => x.stopped), JSON.stringify(first.results));
  assert.ok(first.results.some((x) => x.episodes >= 1), JSON.stringify(first.results));
  const completeBefore = new Set(first.results.filter((x) => !x.stopped).map((x) => x.task));
  const progress: Map<string, number>[] = [];
  const r = await collectSacBatched(collectOpts(out, { processes: 3, resume: true, onProgress: (m) => progress.push(m), onEpisode: (e) => seen.push(`${e.task}:${e.episode}`) }));
  assert.equal(r.stopped, false);
  // A task completed before the stop is skipped on resume (its dataset is final).
  assert.deepEqual(r.results.map((x) => [x.task, x.episodes, x.transitions, x.skipped]), TASKS.map((t) => [t, 3, 300, completeBefore.has(t)]));
  assert.deepEqual([...new Set(seen)].sort(), [0, 1, 2].flatMap((e) => TASKS.map((t) => `${t}:${e}`)).sort(), 'every task reports every episode');
  for (const t of TASKS) if (!completeBefore.has(t)) assert.equal(progress.at(-1)!.get(t), 300, `${t}: final progress`);
  assertSameDatasets(out, reference);
  assertSameAgents(out, reference, 'odd');

  // One group's task holds an unfinished collection (no --resume): the run is refused, and the other
  // group leaves nothing behind (it has trained nothing yet).
  const refused = path.join(tmp, 'processes-refused');
  let n = 0;
  await collectSacBatched(collectOpts(refused, { tasks: [TASKS[2]!], onEpisode: () => n++, shouldStop: () => n >= 1 }));
  await assert.rejects(collectSacBatched(collectOpts(refused, { processes: 2 })), /cartpole-balance.*holds an unfinished collection \(pass --resume/);
  for (const t of TASKS.slice(0, 2)) assert.equal(fs.existsSync(partialDir(refused, t)), false, `${t}: nothing left behind`);
  assert.equal(fs.existsSync(partialDir(refused, TASKS[2]!)), true);
  // Options are checked once, before any process starts.
  await assert.rejects(collectSacBatched(collectOpts(path.join(tmp, 'x'), { processes: 2, tasks: ['cartpole-swingup', 'cartpole-swingdown'] })), /unknown task 'cartpole-swingdown'/);
  await assert.rejects(collectSacBatched(collectOpts(path.join(tmp, 'x'), { processes: 0 })), /processes must be an integer >= 1/);
  // A failure in the caller's callback ends every process; the outputs resume to the same data.
  const crashed = path.join(tmp, 'processes-crashed');
  await assert.rejects(
    collectSacBatched(
      collectOpts(crashed, {
        processes: 2,
        onEpisode: (e) => {
          if (e.episode === 1) throw new Error('simulated crash');
        },
      }),
    ),
    /simulated crash/,
  );
  await collectSacBatched(collectOpts(crashed, { resume: true, processes: 2 }));
  assertSameDatasets(crashed, reference);
});

test('interrupted between episodes, or between two tasks committing one, the collection resumes to the same data', async () => {
  const reference = await straight();
  // A stop request between episodes.
  const stopped = path.join(tmp, 'stopped');
  let n = 0;
  const first = await collectSacBatched(collectOpts(stopped, { onEpisode: () => n++, shouldStop: () => n >= 3 }));
  assert.equal(first.stopped, true);
  assert.deepEqual(first.results.map((x) => [x.episodes, x.stopped]), TASKS.map(() => [1, true]));
  await assert.rejects(collectSacBatched(collectOpts(stopped)), /holds an unfinished collection \(pass --resume/);
  await collectSacBatched(collectOpts(stopped, { resume: true }));
  assertSameDatasets(stopped, reference);

  // A crash after the first task committed episode 1 but before the others did: tasks 2 / 1 / 1.
  const crashed = path.join(tmp, 'crashed');
  await assert.rejects(
    collectSacBatched(
      collectOpts(crashed, {
        onEpisode: (e) => {
          if (e.episode === 1 && e.task === TASKS[0]) throw new Error('simulated crash');
        },
      }),
    ),
    /simulated crash/,
  );
  const counts = TASKS.map((t) => JSON.parse(fs.readFileSync(path.join(partialDir(crashed, t), 'manifest.json'), 'utf8')).episodes);
  assert.deepEqual(counts, [2, 1, 1]);
  const order: string[] = [];
  const r = await collectSacBatched(collectOpts(crashed, { resume: true, onEpisode: (e) => order.push(`${e.task}:${e.episode}`) }));
  assert.deepEqual(r.results.map((x) => x.transitions), [300, 300, 300]);
  // The tasks behind catch up first, then all three run together.
  assert.deepEqual(order, ['pendulum-swingup:1', 'cartpole-balance:1', ...TASKS.map((t) => `${t}:2`)]);
  assertSameDatasets(crashed, reference);
  assertSameAgents(crashed, reference, 'odd');
  // A finished collection resumed is left as it is.
  const again = await collectSacBatched(collectOpts(crashed, { resume: true }));
  assert.deepEqual(again.results.map((x) => x.skipped), [true, true, true]);
});

const l2mArgs = (out: string, extra: string[] = []): string[] => [
  path.join(root, 'bin', 'l2m.mjs'),
  'data',
  'collect',
  '--policy',
  'sac',
  '--tasks',
  TASKS.join(','),
  '--steps',
  '300',
  '--max-steps',
  '100',
  '--seed',
  '5',
  '--workers',
  '0',
  '--out',
  out,
  '--sac-config',
  JSON.stringify(TINY),
  ...extra,
];

test('the CLI run killed with SIGKILL at several moments resumes to the uninterrupted data', async () => {
  const out = path.join(tmp, 'killed');
  // Kill points: while starting, mid-episode, right after commits; each run resumes the previous one.
  const committed = (): number => TASKS.reduce((s, t) => {
    try {
      return s + (JSON.parse(fs.readFileSync(path.join(partialDir(out, t), 'manifest.json'), 'utf8')) as { episodes: number }).episodes;
    } catch {
      return s;
    }
  }, 0);
  // Few commits per run, so that on an idle machine too each run is still going when it is killed.
  // Runs in one process and split over two (whose children must end with the killed command) alternate.
  const kills = [
    { after: 0, delay: 400, processes: 2 },
    { after: 1, delay: 0, processes: 1 },
    { after: 2, delay: 60, processes: 2 },
    { after: 2, delay: 20, processes: 1 },
  ];
  let resume = false;
  let logs = '';
  let killed = 0;
  for (const k of kills) {
    const child = spawn(process.execPath, l2mArgs(out, [...(resume ? ['--resume'] : []), '--processes', String(k.processes)]), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const start = committed();
    let done = false;
    void exited.then(() => (done = true));
    while (!done && committed() < start + k.after) await new Promise((r) => setTimeout(r, 5));
    if (!done) {
      await new Promise((r) => setTimeout(r, k.delay));
      child.kill('SIGKILL');
    }
    const code = await exited;
    assert.ok(code === null || code === 0, `run ended with ${code}: ${stderr}`);
    logs += stderr;
    if (code === null) killed++;
    resume = true;
  }
  assert.ok(killed >= 3, `only ${killed} of ${kills.length} runs were killed before finishing`);
  const last = await promisify(execFile)(process.execPath, l2mArgs(out, ['--resume']));
  assert.match(last.stdout, /collected 3\/3 tasks \(SAC, 3 episodes each, trained as (one batch|\d batches in \d processes)\)/);
  for (const t of TASKS) assert.match(last.stderr, new RegExp(`${t}: (done|already complete), 3 episodes, 300 transitions`));
  assert.match(logs + last.stderr, /episode \d\/3 \([\d.]+ s\): cartpole-swingup [-\d.]+, pendulum-swingup [-\d.]+, cartpole-balance [-\d.]+/, 'progress of every task');
  assertSameDatasets(out, await straight());
});

test('bad input is refused clearly: unknown and Meta-World tasks, mismatched resume settings, steps that are not whole episodes', async () => {
  await assert.rejects(collectSacBatched(collectOpts(path.join(tmp, 'x'), { tasks: ['cartpole-swingdown'] })), /unknown task 'cartpole-swingdown'/);
  await assert.rejects(
    collectSacBatched(collectOpts(path.join(tmp, 'x'), { tasks: ['cartpole-swingup', 'reach-v2'] })),
    /reach-v2 is a Meta-World task: the SAC collector trains on DMControl tasks \(collect Meta-World data with --policy scripted or auto\)/,
  );
  await assert.rejects(runTask('reach-v2', { out: path.join(tmp, 'x'), episodes: 1, seed: 0, policy: { kind: 'sac' } }), /reach-v2 is a Meta-World task/);
  await assert.rejects(collectSacBatched(collectOpts(path.join(tmp, 'x'), { tasks: ['cartpole-swingup', 'cartpole-swingup'] })), /cartpole-swingup is listed twice/);
  await assert.rejects(collectSacBatched(collectOpts(path.join(tmp, 'x'), { episodes: undefined, steps: 250 })), /250 steps is not a whole number of 100-step episodes/);
  await assert.rejects(collectSacBatched(collectOpts(path.join(tmp, 'x'), { config: { hidden: [] } })), /invalid SAC config: hidden/);
  assert.equal(fs.existsSync(path.join(tmp, 'x')), false, 'nothing written for refused runs');

  // An unfinished collection resumed with other settings: refused, and left as it was.
  const out = path.join(tmp, 'mismatch');
  let n = 0;
  await collectSacBatched(collectOpts(out, { onEpisode: () => n++, shouldStop: () => n >= 3 }));
  const manifest = (): string => fs.readFileSync(path.join(partialDir(out, TASKS[0]!), 'manifest.json'), 'utf8');
  const before = manifest();
  await assert.rejects(collectSacBatched(collectOpts(out, { resume: true, seed: 6 })), /cannot resume with different settings \(seed, policy\)/);
  await assert.rejects(collectSacBatched(collectOpts(out, { resume: true, config: { ...TINY, batchSize: 16 } })), /cannot resume with different settings \(policy\)/);
  await assert.rejects(collectSacBatched(collectOpts(out, { resume: true, episodes: 4 })), /cannot resume with different settings \(episodes\)/);
  assert.equal(manifest(), before);

  // Through the CLI.
  const l2m = async (args: string[]): Promise<{ code: number; stderr: string }> => {
    try {
      await promisify(execFile)(process.execPath, [path.join(root, 'bin', 'l2m.mjs'), ...args]);
      return { code: 0, stderr: '' };
    } catch (err) {
      return err as { code: number; stderr: string };
    }
  };
  const bad = await l2m(['data', 'collect', '--policy', 'sac', '--tasks', 'walker-stnd', '--steps', '1000', '--out', path.join(tmp, 'y')]);
  assert.match(bad.stderr, /unknown task 'walker-stnd'/);
  const mw = await l2m(['data', 'collect', '--policy', 'sac', '--tasks', 'DMC6,reach-v2', '--steps', '1000', '--out', path.join(tmp, 'y')]);
  assert.match(mw.stderr, /reach-v2 is a Meta-World task/);
  const steps = await l2m(['data', 'collect', '--policy', 'scripted', '--tasks', 'reach-v2', '--steps', '1000', '--out', path.join(tmp, 'y')]);
  assert.match(steps.stderr, /--steps needs --policy sac/);
  const resumed = await l2m(l2mArgs(out, ['--resume', '--seed', '6']).slice(1));
  assert.match(resumed.stderr, /cannot resume with different settings \(seed, policy\)/);
});
