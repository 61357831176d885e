/**
 * `l2m continual` on tiny synthetic data: a 2-layer base pre-trained for 10 updates, a sequence of two
 * Meta-World tasks with 6 updates each, evaluations of 1 episode cut at 5 steps. The `probe` method
 * (test/helpers/continual-probe.ts) exercises every hook.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';
import { loadContinualConfig, resumableView, type ContinualConfig } from '../src/train/continual-config.ts';
import { continual, type ContinualResults } from '../src/train/continual.ts';
import { continualMetrics, parseEvalCsv } from '../src/eval/continual-metrics.ts';
import { methodNames } from '../src/adapt/registry.ts';
import { loadDecisionTransformer } from '../src/model/load.ts';
import { loadAdapter } from '../src/adapt/checkpoint.ts';
import type { ProbeState } from './helpers/continual-probe.ts';
import './helpers/continual-probe.ts';
import { continualConfigs, pretrainTinyBase, tinyWorkspace } from './helpers/tiny-base.ts';
import { killContinualAt } from './helpers/continual-kill.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ws = tinyWorkspace('l2m-continual-', [['reach-v2', 1], ['hammer-v2', 2], ['push-wall-v2', 3]]);
const { tmp, dataDir, baseDir } = ws;
const outDir = path.join(tmp, 'cl');
test.before(() => pretrainTinyBase(ws));

const clConfig = continualConfigs(ws, outDir, {
  method: { name: 'probe', retrain: 2 },
  train: { stepsPerTask: 6, batchSize: 8, lr: 1e-3, logEvery: 2, checkpointEvery: 4 },
  eval: { every: 3 },
});
const runFile = (name: string, file: string): string => fs.readFileSync(path.join(outDir, name, file), 'utf8');
const withoutTimes = (r: ContinualResults): unknown => ({ ...r, secondsPerUpdate: undefined });

/** A finished `l2m finetune` run folder as forward transfer reads it (config.json, results.json, eval.csv). */
function referenceRun(name: string, task: string, scores: Array<[number, number]>): string {
  const dir = path.join(tmp, 'refs', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ task, base: baseDir, train: { steps: 6 } }));
  fs.writeFileSync(path.join(dir, 'results.json'), '{}');
  fs.writeFileSync(path.join(dir, 'eval.csv'), ['update,task,domain,score,mean_return,success_rate,normalized_score', ...scores.map(([u, s]) => `${u},${task},metaworld,${s},0,${s},`)].join('\n') + '\n');
  return dir;
}

let main: ContinualResults;

test('l2m continual: evaluations at 0, every eval.every and each phase end; hooks in order; outputs', async () => {
  const refs = [referenceRun('ref-hammer', 'hammer-v2', [[3, 0.5], [6, 0.5]])];
  main = await continual(clConfig('probe', { reference: { runs: refs } }));
  const dir = path.join(outDir, 'probe');
  for (const f of ['config.json', 'progress.json', 'metrics.jsonl', 'train.csv', 'eval.csv', 'results.json', 'results.md', 'checkpoint/checkpoint.json', 'phases/00-hammer-v2/adapter.json', 'phases/01-push-wall-v2/adapter.safetensors']) {
    assert.ok(fs.existsSync(path.join(dir, f)), f);
  }
  const rows = parseEvalCsv(runFile('probe', 'eval.csv'));
  // One row per (update, task): updates 0, 3, 6 (end of phase 0), 9, 12 (end of phase 1).
  assert.deepEqual(
    rows.map((r) => `${r.update}/${r.phase}/${r.phaseTask}/${r.task}`),
    [0, 3, 6, 9, 12].flatMap((u) => ['hammer-v2', 'push-wall-v2'].map((t) => `${u}/${u <= 6 ? 0 : 1}/${u <= 6 ? 'hammer-v2' : 'push-wall-v2'}/${t}`)),
  );
  for (const r of rows) {
    assert.equal(r.episodes, 1);
    assert.equal(r.domain, 'metaworld');
    assert.ok(r.success === r.score && r.score >= 0 && r.score <= 1 && Number.isFinite(r.return));
  }
  // results.json holds the metrics of its eval.csv.
  const m = continualMetrics(rows, { tasks: main.tasks, stepsPerTask: 6, lastK: 1, mode: 'sequential' });
  assert.deepEqual(main.matrix, m.matrix);
  assert.equal(main.performance, m.performance);
  assert.deepEqual(main.forgetting, m.forgetting);
  assert.deepEqual(main.tasks, ['hammer-v2', 'push-wall-v2']);
  assert.equal(main.updates, 12);
  assert.ok(main.trainableParams > 0 && main.trainableParams < main.totalParams);
  // Forward transfer against the one reference given (hammer); push-wall has none (noted).
  assert.ok(main.forward_transfer);
  assert.equal(main.forward_transfer.referenceAuc[0], 0.5);
  assert.equal(main.forward_transfer.referenceAuc[1], null);
  assert.equal(main.forward_transfer.perTask[0], (main.auc![0]! - 0.5) / 0.5);
  assert.ok(main.notes.some((n) => /no reference run for push-wall-v2/.test(n)));
  assert.ok(main.retention && main.retention.tasks[0]!.task === 'reach-v2' && Number.isFinite(main.retention.baseMean));
  assert.deepEqual(JSON.parse(runFile('probe', 'results.json')), JSON.parse(JSON.stringify(main)));
  const md = runFile('probe', 'results.md');
  assert.match(md, /\| performance \| forgetting \| forward transfer \| retention \| retention \(base\) \|/);
  assert.match(md, /## Matrix/);
  // Hooks: each task begun and ended once, in order; the end-of-task batches reached the method;
  // views: every task at each of the 5 evaluations.
  const state = (phase: string): ProbeState => (JSON.parse(fs.readFileSync(path.join(dir, 'phases', phase, 'adapter.json'), 'utf8')) as { state: ProbeState }).state;
  assert.deepEqual(state('00-hammer-v2').begun, [0]);
  assert.deepEqual(state('00-hammer-v2').ended, [0]);
  assert.equal(state('00-hammer-v2').views, 3 * 2);
  const last = state('01-push-wall-v2');
  assert.deepEqual(last.begun, [0, 1]);
  assert.deepEqual(last.ended, [0, 1]);
  assert.equal(last.endLoss.length, 2);
  assert.ok(last.endLoss.every((l) => Number.isFinite(l) && l > 0));
  assert.equal(last.views, 5 * 2);
  // Retraining (2 updates after task 0, none after the last task) is logged apart from train.csv.
  const jsonl = runFile('probe', 'metrics.jsonl').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; phase?: number; step?: number });
  assert.deepEqual(jsonl.filter((r) => r.kind === 'retrain').map((r) => `${r.phase}:${r.step}`), ['0:2']);
  assert.deepEqual(runFile('probe', 'train.csv').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0])), [2, 4, 6, 8, 10, 12]);
  assert.deepEqual(JSON.parse(runFile('probe', 'progress.json')), { update: 12, total: 12, phase: 2, task: null, step: 'done', evaluations: 5, done: true });
  // A phase snapshot loads onto the base with loadAdapter.
  const { model } = loadDecisionTransformer(baseDir);
  try {
    assert.equal(loadAdapter(path.join(dir, 'phases', '00-hammer-v2'), model).name, 'probe');
  } finally {
    model.dispose();
  }
  // A second start of the same run is refused.
  await assert.rejects(continual(clConfig('probe')), /already holds a run: pass --resume/);
});

test('views: per-task evaluation uses the episodes of the batched one; training does not depend on them; an optimiser reset changes only later phases', async () => {
  const noViews = await continual(clConfig('no-views', { method: { name: 'probe', retrain: 2, views: false }, eval: { retention: [] } }));
  const neutral = await continual(clConfig('neutral-views', { method: { name: 'probe', retrain: 2, viewShift: 0 }, eval: { retention: [] } }));
  assert.equal(runFile('no-views', 'eval.csv'), runFile('neutral-views', 'eval.csv'));
  // Views are undone bit-exactly: the first test's run (views shifting the head) trained the same.
  if (fs.existsSync(path.join(outDir, 'probe', 'train.csv'))) assert.equal(runFile('no-views', 'train.csv'), runFile('probe', 'train.csv'));
  assert.deepEqual(noViews.matrix, neutral.matrix);
  // (No retraining here: the probe's retraining resets the optimiser itself.)
  await continual(clConfig('kept', { method: { name: 'probe', views: false }, eval: { retention: [] } }));
  await continual(clConfig('reset', { method: { name: 'probe', views: false }, train: { resetOptimizer: true }, eval: { retention: [] } }));
  const a = runFile('kept', 'train.csv').trim().split('\n');
  const b = runFile('reset', 'train.csv').trim().split('\n');
  assert.deepEqual(b.slice(0, 4), a.slice(0, 4), 'phase 0 (updates 2, 4, 6) is the same');
  assert.notDeepEqual(b.slice(4), a.slice(4), 'phase 1 starts with a fresh optimiser');
});

test('l2m continual resumes after SIGKILL to identical results (mid-phase, at a task end, in retraining, during evaluations, at a task switch, in retention)', async () => {
  const cfg = clConfig('resumed', { reference: { runs: [path.join(tmp, 'refs', 'ref-hammer')] } });
  const kills = ['update:5', 'end:0', 'retrain:0:1', 'evalstep:6:2', 'begin:1', 'evalstep:9:3', 'evalstep:retention:2'];
  kills.forEach((kill, i) => killContinualAt(cfg, kill, i > 0));
  const resumed = await continual(cfg, { resume: true });
  assert.deepEqual(withoutTimes(resumed), { ...(withoutTimes(main) as object), name: 'resumed' });
  for (const f of ['eval.csv', 'train.csv', 'progress.json']) assert.equal(runFile('resumed', f), runFile('probe', f), f);
  const noSeconds = (name: string): unknown[] => runFile(name, 'metrics.jsonl').trim().split('\n').map((l) => ({ ...(JSON.parse(l) as object), seconds: undefined }));
  assert.deepEqual(noSeconds('resumed'), noSeconds('probe'));
  for (const phase of ['00-hammer-v2', '01-push-wall-v2']) {
    const dir = (name: string): string => path.join(outDir, name, 'phases', phase);
    assert.equal(fs.readFileSync(path.join(dir('resumed'), 'adapter.json'), 'utf8'), fs.readFileSync(path.join(dir('probe'), 'adapter.json'), 'utf8'), `${phase} adapter.json`);
    const a = torch.loadSafetensors(path.join(dir('resumed'), 'adapter.safetensors'));
    const b = torch.loadSafetensors(path.join(dir('probe'), 'adapter.safetensors'));
    for (const [k, t] of Object.entries(a.tensors)) assert.ok(t.equal(b.tensors[k]!), `${phase} ${k}`);
  }
  const a = torch.loadSafetensors(path.join(outDir, 'resumed', 'checkpoint', 'model.safetensors'));
  const b = torch.loadSafetensors(path.join(outDir, 'probe', 'checkpoint', 'model.safetensors'));
  for (const [k, t] of Object.entries(a.tensors)) assert.ok(t.equal(b.tensors[k]!), `checkpoint ${k}`);
  // Resuming a finished run recomputes its results from the files.
  const again = await continual(cfg, { resume: true });
  assert.deepEqual(withoutTimes(again), withoutTimes(resumed));
});

test('the continual methods in the loop: PackNet keeps task 0 exactly (its view acts as at the end of its phase); EWC resumes identically', async () => {
  for (const m of ['packnet', 'ewc']) assert.ok(methodNames().includes(m), `${m} is registered`);
  const pn = await continual(clConfig('packnet', { method: { name: 'packnet', retrainSteps: 2 }, eval: { retention: [] } }));
  const rows = parseEvalCsv(runFile('packnet', 'eval.csv'));
  const task0 = (u: number): unknown => rows.filter((r) => r.task === 'hammer-v2' && r.update === u).map((r) => [r.return, r.success]);
  assert.deepEqual(task0(9), task0(6), 'mid phase 1');
  assert.deepEqual(task0(12), task0(6), 'after the sequence');
  assert.equal(pn.forgetting!.perTask[0], 0);
  assert.equal(JSON.parse(runFile('packnet', 'metrics.jsonl').trim().split('\n').filter((l) => l.includes('"retrain"')).at(-1)!).step, 2);
  const ewcCfg = (name: string): ContinualConfig => clConfig(name, { method: { name: 'ewc', fisherBatches: 2 }, eval: { retention: [] } });
  const whole = await continual(ewcCfg('ewc'));
  const cfg = ewcCfg('ewc-resumed');
  for (const [i, at] of [7, 11].entries()) killContinualAt(cfg, `update:${at}`, i > 0);
  const resumed = await continual(cfg, { resume: true });
  assert.deepEqual(withoutTimes(resumed), { ...(withoutTimes(whole) as object), name: 'ewc-resumed' });
  assert.equal(runFile('ewc-resumed', 'train.csv'), runFile('ewc', 'train.csv'));
});

test('--resume compares configs whatever the order of their keys (a config.json of another version)', () => {
  const cfg = clConfig('order');
  const reversed = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(reversed) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
  const saved = JSON.parse(JSON.stringify(reversed(cfg))) as ContinualConfig;
  assert.notEqual(JSON.stringify(saved), JSON.stringify(cfg));
  assert.equal(resumableView(saved), resumableView(cfg));
  assert.notEqual(resumableView({ ...saved, train: { ...saved.train, lr: 2e-4 } }), resumableView(cfg), 'a setting that differs still counts');
  assert.equal(resumableView({ ...saved, eval: { ...saved.eval, workers: 7 } }), resumableView(cfg), 'eval.workers may change');
});

test('mode: multitask trains every task jointly for the same total updates', async () => {
  const r = await continual(clConfig(undefined as unknown as string, { name: undefined, mode: 'multitask', method: { name: 'head' }, eval: { retention: [] } }));
  assert.equal(r.name, '2tasks-multitask');
  assert.equal(r.updates, 12);
  assert.equal(r.matrix, null);
  assert.equal(r.forgetting, null);
  assert.equal(r.forward_transfer, undefined);
  const rows = parseEvalCsv(runFile('2tasks-multitask', 'eval.csv'));
  assert.deepEqual([...new Set(rows.map((x) => `${x.update}/${x.phase}/${x.phaseTask}`))], ['0/0/all', '3/0/all', '6/0/all', '9/0/all', '12/0/all']);
  assert.deepEqual(r.final, rows.filter((x) => x.update === 12).map((x) => x.score));
  assert.ok(fs.existsSync(path.join(outDir, '2tasks-multitask', 'phases', '00-all', 'adapter.json')));
  await assert.rejects(continual(clConfig('mt-probe', { mode: 'multitask' })), /mode: multitask trains one model on all tasks at once; the 'probe' method works task by task/);
});

test('bad input gets a clear error before any training starts, and writes nothing', async () => {
  const before = fs.readdirSync(outDir).sort();
  await assert.rejects(continual(clConfig('unknown-task', { sequence: ['hammer-v2', 'no-such-task'] })), /sequence: unknown task 'no-such-task'/);
  await assert.rejects(continual(clConfig('twice', { sequence: 'hammer-v2+push-wall-v2,hammer-v2' })), /task 'hammer-v2' appears twice/);
  await assert.rejects(continual(clConfig('nodata', { sequence: ['hammer-v2', 'push-v2'] })), /no dataset for push-v2 in .*data/);
  await assert.rejects(continual(clConfig('nodmc', { sequence: ['hammer-v2', 'cartpole-swingup'] })), /the sequence has DMControl tasks \(cartpole-swingup\) but no DMControl data in .*: set data.dmcDir/);
  await assert.rejects(continual(clConfig('nodmc2', { sequence: ['hammer-v2', 'cartpole-swingup'], data: { dir: dataDir, dmcDir: path.join(tmp, 'dmc') } })), /no dataset for cartpole-swingup in .*dmc/);
  await assert.rejects(continual(clConfig('badret', { eval: { retention: ['nope'] } })), /eval.retention: unknown task 'nope'/);
  await assert.rejects(continual(clConfig('badref', { reference: { runs: [path.join(tmp, 'nowhere')] } })), /reference.runs: .*nowhere is not an `l2m finetune` run folder/);
  await assert.rejects(continual(clConfig('nobase', { base: path.join(tmp, 'nowhere') })), /checkpoint not found/);
  assert.throws(() => clConfig('unknown-method', { method: { name: 'magic' } }), /unknown adaptation method 'magic' \(known: .*full/);
  assert.throws(() => clConfig('bad-field', { train: { stepsPerTask: 0 } }), /train.stepsPerTask/);
  assert.throws(() => clConfig('bad-mode', { mode: 'both' }), /mode/);
  assert.throws(() => clConfig('bad-dropout', { model: { dropout: -0.1 } }), /model\.dropout/);
  assert.throws(() => clConfig('bad-model-field', { model: { dModel: 64 } }), /model[\s\S]*dModel/);
  assert.deepEqual(fs.readdirSync(outDir).sort(), before, 'nothing was written');
  // A resumed run refuses a changed protocol.
  await assert.rejects(continual(clConfig('probe', { eval: { every: 2 } }), { resume: true }), /the config differs from the one the run started with/);
});

test('every config in configs/continual is valid and runs its method at its scale\'s shared protocol', () => {
  const dir = path.join(root, 'configs', 'continual');
  const files = [...fs.readdirSync(dir).map((f) => path.join(dir, f)), ...fs.readdirSync(path.join(dir, 'paper')).map((f) => path.join(dir, 'paper', f))].filter((f) => f.endsWith('.yaml') && !path.basename(f).startsWith('common'));
  assert.ok(files.length >= 30, `${files.length} configs`);
  // What each file must run: the method's name and the fields that make it that variant.
  const expected: Record<string, { name: string; fields?: Record<string, unknown> }> = {
    'l2m-oracle': { name: 'l2m', fields: { oracle: { tasks: 10 } } },
    'l2m-pretrain-keys': { name: 'l2m', fields: { pretrainKeys: 10 } },
    'l2m-no-penalty': { name: 'l2m', fields: { countPenalty: false } },
    'l2m-query-keys': { name: 'l2m', fields: { keyInit: 'query' } },
    'l2m-query-keys-pretrain': { name: 'l2m', fields: { keyInit: 'query', pretrainKeys: 10 } },
    'l2p-pt': { name: 'l2p', fields: { form: 'prompt' } },
    'l2p-pret': { name: 'l2p', fields: { form: 'prefix' } },
    'l2p-pv2': { name: 'l2p', fields: { form: 'ptuning-v2' } },
  };
  for (const m of ['full', 'lora', 'ewc', 'l2', 'packnet', 'multitask', 'l2m', 'l2m-ia3', ...Object.keys(expected)]) {
    for (const where of [dir, path.join(dir, 'paper')]) assert.ok(fs.existsSync(path.join(where, `cw10-${m}.yaml`)), `${where}/cw10-${m}.yaml`);
  }
  // Every method of a scale runs the same protocol: the settings of common.yaml, the method aside.
  const protocol = (c: ContinualConfig): unknown => ({ ...c, name: undefined, method: undefined, mode: undefined, pretrainKeys: undefined });
  const reference: Record<string, unknown> = {};
  for (const f of files) {
    const cfg = loadContinualConfig(f);
    const base = path.basename(f, '.yaml');
    assert.equal(cfg.name, base, `${f}: the run name is the file name`);
    const m = expected[base.replace(/^cw10-/, '')];
    assert.equal(cfg.mode === 'multitask' ? 'multitask' : (cfg.method as { name: string }).name, m?.name ?? base.replace(/^cw10-/, ''), f);
    for (const [k, v] of Object.entries(m?.fields ?? {})) assert.deepEqual((cfg.method as Record<string, unknown>)[k], v, `${f}: method.${k}`);
    const scale = path.basename(path.dirname(f));
    reference[scale] ??= protocol(cfg);
    assert.deepEqual(protocol(cfg), reference[scale], `${f}: the same budget and settings as the other ${scale} configs`);
    if (f.includes(`${path.sep}paper${path.sep}`)) {
      assert.equal(cfg.train.stepsPerTask, 100_000, f);
      assert.equal(cfg.train.batchSize, 256, f);
      assert.equal(cfg.eval.every, 50_000, f);
    }
    assert.equal(cfg.eval.episodes, 5, f);
  }
});
