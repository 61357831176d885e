/**
 * The pool methods (L2M, L2M-oracle, L2P) in `l2m continual`, on tiny synthetic data (a 2-layer base
 * pre-trained for 10 updates, two Meta-World tasks of 4 updates each, evaluations of 1 episode cut at
 * 5 steps): the pre-training keys' phase and its resume, retention with and without the keys, the
 * oracle's retention with the modulation off, the selection statistics (selection.json), their
 * heatmaps in `l2m report` and `l2m eval --selection`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';
import { continual, type ContinualResults, type SelectionLog } from '../src/train/continual.ts';
import { adaptedModel } from '../src/train/finetune.ts';
import { writeReport } from '../src/eval/continual-report.ts';
import { selectionAgreement, selectionSummary, selectionTaskIds, sumSelections, trainEvalAgreement } from '../src/eval/selection.ts';
import type { SelectionMatrix, PoolState } from '../src/adapt/pool.ts';
import { continualConfigs, pretrainTinyBase, tinyWorkspace } from './helpers/tiny-base.ts';
import { killContinualAt } from './helpers/continual-kill.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ws = tinyWorkspace('l2m-continual-pool-', [['reach-v2', 1], ['door-open-v2', 4], ['hammer-v2', 2], ['push-wall-v2', 3]]);
const { tmp, dataDir, baseDir } = ws;
const outDir = path.join(tmp, 'cl');
test.before(() => pretrainTinyBase(ws));

const keysMethod = { name: 'l2m', pool: 4, rank: 2, alpha: 4, pretrainKeys: 2 };
const keysPhase = { steps: 4, tasks: ['reach-v2', 'door-open-v2'], dataDir };
const clConfig = continualConfigs(ws, outDir, {
  method: keysMethod,
  pretrainKeys: keysPhase,
  train: { stepsPerTask: 4, batchSize: 8, lr: 1e-2, logEvery: 2, checkpointEvery: 2 },
  eval: { every: 2 },
});
const runFile = (name: string, file: string): string => fs.readFileSync(path.join(outDir, name, file), 'utf8');
const selectionOf = (name: string): SelectionLog => JSON.parse(runFile(name, 'selection.json')) as SelectionLog;
const withoutTimes = (r: ContinualResults): unknown => ({ ...r, secondsPerUpdate: undefined });
const noSeconds = (name: string): unknown[] => runFile(name, 'metrics.jsonl').trim().split('\n').map((l) => ({ ...(JSON.parse(l) as object), seconds: undefined }));
const rowSums = (m: SelectionMatrix): number[] => m.counts.map((r) => r.reduce((a, b) => a + b, 0));
/** Entries selected by row `i` of a matrix. */
const picked = (m: SelectionMatrix, i: number): number[] => m.counts[i]!.flatMap((c, j) => (c > 0 ? [j] : []));
const methodState = (name: string): PoolState =>
  (JSON.parse(fs.readFileSync(path.join(outDir, name, 'checkpoint', 'checkpoint.json'), 'utf8')) as { meta: { methodState: PoolState } }).meta.methodState;

let keysRun: ContinualResults;

test('pre-training keys: a phase before the first task; retention with and without them; selection.json over training and evaluation', async () => {
  keysRun = await continual(clConfig('l2m-keys'));
  const r = keysRun;
  assert.deepEqual(r.pretrainKeys, { steps: 4, tasks: ['reach-v2', 'door-open-v2'], keys: 2, params: 2 * 32, batchSize: 8, lr: 1e-2, finalLoss: r.pretrainKeys!.finalLoss });
  assert.ok(Number.isFinite(r.pretrainKeys!.finalLoss) && r.pretrainKeys!.finalLoss < 0, 'the key-pull loss is -0.5 x the mean cosine');
  assert.equal(r.updates, 8, "the keys' updates are not protocol updates");
  // The keys' phase is logged apart from train.csv, before any evaluation.
  const jsonl = runFile('l2m-keys', 'metrics.jsonl').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step?: number });
  assert.deepEqual(jsonl.filter((x) => x.kind === 'keys').map((x) => x.step), [2, 4]);
  assert.ok(jsonl.findIndex((x) => x.kind === 'keys') < jsonl.findIndex((x) => x.kind === 'eval'));
  assert.deepEqual(runFile('l2m-keys', 'train.csv').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0])), [2, 4, 6, 8]);
  // The pool state: the keys' phase counted its 4 batches apart; the adapt phase counted the 8 protocol updates.
  const st = methodState('l2m-keys');
  assert.equal(st.pretrainCounts!.total, 4);
  assert.equal(st.counts.total, 8);
  assert.equal(st.phase, 'adapt');
  // Retention with the pre-training keys and without them, both in results.json / results.md.
  assert.ok(r.retention && r.retention.withoutPretrainKeys, JSON.stringify(r.retention));
  assert.deepEqual(r.retention.withoutPretrainKeys.tasks.map((t) => t.task), ['reach-v2']);
  assert.equal(r.retention.withoutPretrainKeys.tasks[0]!.base, r.retention.tasks[0]!.base);
  assert.equal(r.retention.modulation, undefined);
  const md = runFile('l2m-keys', 'results.md');
  assert.match(md, /\| task \| adapted \| adapted, without pre-training keys \| base \|/);
  assert.match(md, /## Pre-training keys\n\n2 keys \(64 parameters\) learned before the first task: 4 updates at batch 8/);

  const sel = selectionOf('l2m-keys');
  const saved = (JSON.parse(fs.readFileSync(path.join(outDir, 'l2m-keys', 'checkpoint', 'checkpoint.json'), 'utf8')) as { meta: { selection: SelectionLog } }).meta.selection;
  assert.deepEqual({ ...sel, retention: [] }, saved, "selection.json is the last checkpoint's log, and the retention evaluation after it");
  assert.equal(sel.pool, 4);
  assert.equal(sel.pretrainKeys, 2);
  assert.deepEqual(sel.names, { 0: 'hammer-v2', 1: 'push-wall-v2', 2: 'reach-v2' });
  // Training: phase p's matrix is task p's windows only, 4 updates x 8 windows x top-1, never a pre-training key.
  assert.deepEqual(sel.train.map((t) => [t.phase, t.task, t.update, t.matrix.tasks, rowSums(t.matrix)]), [
    [0, 'hammer-v2', 4, [0], [32]],
    [1, 'push-wall-v2', 8, [1], [32]],
  ]);
  for (const t of sel.train) assert.ok(picked(t.matrix, 0).every((j) => j < 4));
  // Evaluation: every event (updates 0, 2, 4, 6, 8), every task, one selection per environment step (5).
  assert.deepEqual(sel.eval.map((e) => [e.event, e.update, e.phase, e.what]), [
    [0, 0, 0, 'initial'],
    [1, 2, 0, 'every'],
    [2, 4, 0, 'end'],
    [3, 6, 1, 'every'],
    [4, 8, 1, 'end'],
  ]);
  for (const e of sel.eval) {
    assert.deepEqual(e.matrix.tasks, [0, 1]);
    assert.deepEqual(rowSums(e.matrix), [5, 5]);
    assert.equal(e.matrix.entries, 6, 'pool entries and pre-training keys');
  }
  // Retention: reach-v2 (id 2) with the pre-training keys matchable, then without (never a column >= 4).
  assert.deepEqual(sel.retention.map((x) => [x.pretrainKeys, x.matrix.tasks, rowSums(x.matrix)]), [
    [true, [2], [5]],
    [false, [2], [5]],
  ]);
  assert.ok(picked(sel.retention[1]!.matrix, 0).every((j) => j < 4));
});

test('pre-training keys: only the keys train in their phase; resumed after SIGKILL (mid-phase, after a phase snapshot, in retention) and an abort to identical files', async () => {
  const cfg = clConfig('l2m-keys-resumed');
  const kill = (at: string, resume: boolean): void => killContinualAt(cfg, at, resume);
  kill('keys:3', false);
  // Resume into the evaluation at update 0 and stop there: the checkpoint is the end of the keys' phase.
  await assert.rejects(
    continual(cfg, {
      resume: true,
      hooks: {
        onEvalStart: (u) => {
          if (u === 0) throw new Error('stop at update 0');
        },
      },
    }),
    /stop at update 0/,
  );
  assert.equal((JSON.parse(runFile('l2m-keys-resumed', 'progress.json')) as { step: string }).step, 'begin');
  const fresh = adaptedModel(cfg);
  try {
    const initial = fresh.model.stateDict();
    const { tensors } = torch.loadSafetensors(path.join(outDir, 'l2m-keys-resumed', 'checkpoint', 'model.safetensors'));
    const changed = Object.keys(initial).filter((k) => !tensors[k]!.equal(initial[k]!));
    assert.deepEqual(changed, ['adapt.pretrain_keys'], 'the keys phase trained the pre-training keys and nothing else');
  } finally {
    fresh.model.dispose();
  }
  kill('snapshot:0', true);
  kill('evalstep:retention:2', true);
  const resumed = await continual(cfg, { resume: true });
  assert.deepEqual(withoutTimes(resumed), { ...(withoutTimes(keysRun) as object), name: 'l2m-keys-resumed' });
  for (const f of ['eval.csv', 'train.csv', 'progress.json', 'selection.json']) assert.equal(runFile('l2m-keys-resumed', f), runFile('l2m-keys', f), f);
  const noTime = (name: string): string => runFile(name, 'results.md').replace(/[\d.]+ ms per update/, '');
  assert.equal(noTime('l2m-keys-resumed'), noTime('l2m-keys'), 'results.md');
  assert.deepEqual(noSeconds('l2m-keys-resumed'), noSeconds('l2m-keys'), 'metrics.jsonl: no evaluation or phase record twice');
  for (const phase of ['00-hammer-v2', '01-push-wall-v2']) {
    const a = torch.loadSafetensors(path.join(outDir, 'l2m-keys-resumed', 'phases', phase, 'adapter.safetensors'));
    const b = torch.loadSafetensors(path.join(outDir, 'l2m-keys', 'phases', phase, 'adapter.safetensors'));
    for (const [k, t] of Object.entries(a.tensors)) assert.ok(t.equal(b.tensors[k]!), `${phase} ${k}`);
  }
});

let oracleRun: ContinualResults;

test('L2M-oracle: retention with the modulation off (the unchanged base); training and evaluation select only in each task\'s block', async () => {
  oracleRun = await continual(clConfig('l2m-oracle', { method: { name: 'l2m', pool: 4, rank: 2, alpha: 4, oracle: { tasks: 2 } }, pretrainKeys: undefined }));
  const ret = oracleRun.retention!;
  assert.equal(ret.modulation, 'off');
  assert.equal(ret.mean, ret.baseMean);
  for (const t of ret.tasks) assert.equal(t.score, t.base);
  assert.ok(oracleRun.notes.some((n) => /oracle.*no block.*modulation off.*unchanged/.test(n)), oracleRun.notes.join('\n'));
  assert.match(runFile('l2m-oracle', 'results.md'), /Evaluated with the modulation off/);
  const sel = selectionOf('l2m-oracle');
  assert.deepEqual(sel.train.map((t) => picked(t.matrix, 0).every((j) => Math.floor(j / 2) === t.phase)), [true, true]);
  for (const e of sel.eval) {
    assert.deepEqual(e.matrix.tasks, [0, 1]);
    assert.ok(picked(e.matrix, 0).every((j) => j < 2) && picked(e.matrix, 1).every((j) => j >= 2), JSON.stringify(e.matrix));
  }
  assert.deepEqual(sel.retention, [], 'no retention evaluation of the pool');
  // The oracle needs one block per task of the sequence.
  await assert.rejects(continual(clConfig('oracle-3', { method: { name: 'l2m', pool: 6, rank: 2, alpha: 4, oracle: { tasks: 3 } }, pretrainKeys: undefined })), /method.oracle.tasks is 3, the sequence has 2 tasks/);
  assert.ok(!fs.existsSync(path.join(outDir, 'oracle-3')));
});

let l2pRun: ContinualResults;

test('L2P in the loop: top-k selection statistics (k per window)', async () => {
  l2pRun = await continual(clConfig('l2p', { method: { name: 'l2p', form: 'prompt', pool: 4, topK: 2, length: 2 }, pretrainKeys: undefined, eval: { retention: [] } }));
  const sel = selectionOf('l2p');
  assert.equal(sel.topK, 2);
  assert.deepEqual(sel.train.map((t) => rowSums(t.matrix)), [[64], [64]]);
  assert.deepEqual(rowSums(sel.eval.at(-1)!.matrix), [10, 10]);
  assert.equal(l2pRun.retention, null);
  assert.ok(!fs.existsSync(path.join(outDir, 'l2p', 'checkpoint', 'nothing')));
});

test('l2m report draws the task x entry heatmap of every pool method; runs without a pool have none', async () => {
  const out = path.join(tmp, 'report');
  const { files, markdown } = await writeReport([path.join(outDir, 'l2m-keys'), path.join(outDir, 'l2m-oracle'), path.join(outDir, 'l2p')], out);
  const svgs = files.filter((f) => path.basename(f).startsWith('selection-')).map((f) => path.basename(f));
  // Two L2M groups, named by the setting each departs in.
  assert.deepEqual(svgs.sort(), ['selection-l2m-oracle.svg', 'selection-l2m-pretrainkeys-2.svg', 'selection-l2p.svg']);
  const keysSvg = fs.readFileSync(path.join(out, 'selection-l2m-pretrainkeys-2.svg'), 'utf8');
  assert.match(keysSvg, /^<svg[\s\S]*<\/svg>\s*$/);
  assert.match(keysSvg, /hammer/);
  assert.match(keysSvg, />p1</, 'pre-training keys are columns p0, p1');
  assert.match(keysSvg, /without the pre-training keys/);
  assert.match(markdown, /### Pool selection/);
  assert.match(markdown, /- training: the windows of each task in its own phase: \d of 6 entries used; the most selected, entry \d, takes [\d.]+% of the selections and is the first choice of \d of 2 task\(s\)\./);
  assert.match(markdown, /!\[l2m \(pretrainKeys=2\): pool selection\]\(selection-l2m-pretrainkeys-2\.svg\)/);
  assert.match(markdown, /\| # \| task \| agreement at the end of its phase \| after the last phase \|\n\|---\|---\|---\|---\|\n\| 0 \| hammer-v2 \| [01]\.\d{3} \| [01]\.\d{3} \|/);
  assert.match(markdown, /Retention with the pre-training keys [\d.]+, without them [\d.]+ \(base [\d.]+\)\./);
  assert.match(markdown, /\| ms per update \|/);
  for (const [, img] of markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) assert.ok(fs.existsSync(path.join(out, img!)), img);
});

test('l2m eval --adapter <phase snapshot> --selection: the heatmap of one evaluation; the oracle gets its sequence\'s task ids', () => {
  const svg = path.join(tmp, 'eval-selection', 'oracle.svg');
  const adapter = path.join(outDir, 'l2m-oracle', 'phases', '01-push-wall-v2');
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'bin', 'l2m.mjs'), 'eval', '--checkpoint', baseDir, '--adapter', adapter, '--tasks', 'push-wall-v2,hammer-v2', '--episodes', '1', '--max-steps', '5', '--workers', '0', '--selection', svg, '--json'],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /selection: \d of 4 entries used/);
  assert.match(fs.readFileSync(svg, 'utf8'), /^<svg[\s\S]*push-wall[\s\S]*<\/svg>\s*$/);
  const j = JSON.parse(fs.readFileSync(svg.replace(/\.svg$/, '.json'), 'utf8')) as { matrix: SelectionMatrix; names: Record<string, string> };
  assert.deepEqual(j.matrix.tasks, [0, 1], 'sequence indices, whatever the order of --tasks');
  assert.deepEqual(rowSums(j.matrix), [5, 5]);
  assert.ok(picked(j.matrix, 0).every((j) => j < 2) && picked(j.matrix, 1).every((j) => j >= 2));
  assert.equal(JSON.parse(r.stdout).tasks.length, 2);
});

test('selection helpers and config errors', async () => {
  const a: SelectionMatrix = { entries: 3, tasks: [0, 1], counts: [[4, 0, 0], [3, 1, 0]] };
  const b: SelectionMatrix = { entries: 3, tasks: [1, 2], counts: [[0, 0, 2], [0, 5, 0]] };
  assert.deepEqual(sumSelections([a, b]), { entries: 3, tasks: [0, 1, 2], counts: [[4, 0, 0], [3, 1, 2], [0, 5, 0]] });
  assert.deepEqual(selectionSummary(a), { total: 8, used: 2, entries: 3, top: { entry: 0, share: 7 / 8, tasksWithIt: 2 }, perTask: [{ task: 0, entry: 0, share: 1 }, { task: 1, entry: 0, share: 0.75 }] });
  assert.equal(selectionAgreement([0.5, 0.5, 0], [0, 0.25, 0.75]), 0.25);
  // task 0 trained on entry 0 and is evaluated there 3 times in 4; task 1 trained on entry 2 (the
  // penalty's pick) but its evaluation windows pick entry 1: disjoint.
  const log = {
    method: 'l2m', pool: 3, pretrainKeys: 0, topK: 1, tasks: ['a', 'b'], names: {},
    train: [{ phase: 0, task: 'a', update: 10, matrix: { entries: 3, tasks: [0], counts: [[8, 0, 0]] } }, { phase: 1, task: 'b', update: 20, matrix: { entries: 3, tasks: [1], counts: [[0, 0, 8]] } }],
    eval: [
      { event: 0, what: 'initial' as const, phase: 0, update: 0, matrix: { entries: 3, tasks: [0, 1], counts: [[0, 4, 0], [0, 4, 0]] } },
      { event: 1, what: 'end' as const, phase: 0, update: 10, matrix: { entries: 3, tasks: [0, 1], counts: [[3, 1, 0], [0, 4, 0]] } },
      { event: 2, what: 'end' as const, phase: 1, update: 20, matrix: { entries: 3, tasks: [0, 1], counts: [[2, 2, 0], [0, 3, 1]] } },
    ],
    retention: [],
  };
  assert.deepEqual(trainEvalAgreement(log), [{ task: 0, endOfPhase: 0.75, final: 0.5 }, { task: 1, endOfPhase: 0.25, final: 0.25 }]);
  assert.deepEqual(selectionTaskIds(['reach-v2', 'push-wall-v2'], { sequence: ['hammer-v2', 'push-wall-v2'] }, false).ids, { 'reach-v2': 2, 'push-wall-v2': 1 });
  assert.deepEqual(selectionTaskIds(['hammer-v2'], { task: 'hammer-v2' }, true).ids, { 'hammer-v2': 0 });
  assert.throws(() => selectionTaskIds(['reach-v2'], { sequence: ['hammer-v2'] }, true), /oracle: it has a block only for the tasks of its sequence \(hammer-v2\), not for reach-v2/);
  assert.throws(() => selectionTaskIds(['reach-v2'], undefined, true), /records no task sequence/);
  assert.throws(() => clConfig('x', { method: { name: 'lora' } }), /pretrainKeys: the 'lora' method has no pre-training keys to learn/);
  assert.throws(() => clConfig('x', { pretrainKeys: undefined }), /method.pretrainKeys \(2 keys\) needs the phase that learns them/);
  assert.throws(() => clConfig('x', { pretrainKeys: { ...keysPhase, steps: 0 } }), /pretrainKeys.steps/);
  await assert.rejects(continual(clConfig('keys-nodata', { pretrainKeys: { ...keysPhase, tasks: ['reach-v2', 'push-v2'] } })), /no dataset for push-v2/);
  await assert.rejects(continual(clConfig('keys-badtask', { pretrainKeys: { ...keysPhase, tasks: ['nope'] } })), /pretrainKeys.tasks: unknown task 'nope'/);
  for (const n of ['keys-nodata', 'keys-badtask']) assert.ok(!fs.existsSync(path.join(outDir, n)), n);
});
