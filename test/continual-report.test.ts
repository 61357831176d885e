/** `l2m report` on synthetic continual run folders (results.json + eval.csv written by hand). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVAL_CSV_HEADER, bootstrapMeanCI, continualMetrics, evalCsvLine, forwardTransfer, type ContinualEvalRow } from '../src/eval/continual-metrics.ts';
import { groupLabels, readRuns, summarize, writeReport } from '../src/eval/continual-report.ts';
import type { ContinualResults } from '../src/train/continual.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-report-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const tasks = ['hammer-v2', 'push-wall-v2'];
const S = 10;

/** A run folder: scores[task][k] at updates 0, 5, 10, 15, 20. */
function writeRun(name: string, o: { method: string; seed: number; mode?: 'sequential' | 'multitask'; scores: number[][]; refAuc?: number[]; retention?: [number, number] }): string {
  const dir = path.join(tmp, 'runs', name);
  fs.mkdirSync(dir, { recursive: true });
  const mode = o.mode ?? 'sequential';
  const updates = [0, 5, 10, 15, 20];
  const rows: ContinualEvalRow[] = updates.flatMap((u, k) =>
    tasks.map((task, j) => {
      const phase = mode === 'multitask' || u === 0 ? 0 : Math.floor((u - 1) / S);
      return { update: u, phase, phaseTask: mode === 'multitask' ? 'all' : tasks[phase]!, task, domain: 'metaworld', episodes: 5, success: o.scores[j]![k]!, return: 1, normalizedScore: null, score: o.scores[j]![k]! };
    }),
  );
  fs.writeFileSync(path.join(dir, 'eval.csv'), [EVAL_CSV_HEADER, ...rows.map(evalCsvLine)].join('\n') + '\n');
  const m = continualMetrics(rows, { tasks, stepsPerTask: S, lastK: 1, mode });
  const ft = o.refAuc && m.auc ? { ...forwardTransfer(m.auc, o.refAuc), references: Object.fromEntries(tasks.map((t, j) => [t, [{ run: `/refs/${t}`, auc: o.refAuc![j]! }]])) } : undefined;
  const results: ContinualResults = {
    name,
    mode,
    sequence: tasks,
    tasks,
    method: o.method,
    methodConfig: {},
    base: '/base',
    seed: o.seed,
    stepsPerTask: S,
    updates: 2 * S,
    episodes: 5,
    lastK: 1,
    evalEvery: 5,
    trainableParams: o.method === 'full' ? 1000 : 10,
    totalParams: 1000,
    secondsPerUpdate: 0.01,
    initial: m.initial,
    matrix: m.matrix,
    final: m.final,
    performance: m.performance,
    forgetting: m.forgetting,
    auc: m.auc,
    ...(ft ? { forward_transfer: ft } : {}),
    retention: o.retention ? { tasks: [{ task: 'reach-v2', score: o.retention[0], base: o.retention[1] }], mean: o.retention[0], baseMean: o.retention[1], episodes: 5 } : null,
    notes: [],
  };
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results));
  fs.writeFileSync(path.join(dir, 'config.json'), '{}');
  return dir;
}

// Two seeds of full fine-tuning (forgets), one of packnet (keeps), one multi-task run.
const full42 = writeRun('cw-full-42', { method: 'full', seed: 42, scores: [[0, 0.4, 0.8, 0.2, 0], [0, 0, 0.2, 0.6, 1]], refAuc: [0.5, 0.5], retention: [0.2, 0.6] });
const full43 = writeRun('cw-full-43', { method: 'full', seed: 43, scores: [[0, 0.6, 1, 0.4, 0.2], [0, 0, 0, 0.4, 0.8]], refAuc: [0.5, 0.5], retention: [0.4, 0.6] });
const packnet = writeRun('cw-packnet-42', { method: 'packnet', seed: 42, scores: [[0, 0.4, 0.8, 0.8, 0.8], [0, 0, 0, 0.2, 0.6]], retention: [0.6, 0.6] });
const multitask = writeRun('cw-multitask-42', { method: 'full', mode: 'multitask', seed: 42, scores: [[0, 0.2, 0.4, 0.6, 0.8], [0, 0.2, 0.4, 0.6, 1]] });
fs.mkdirSync(path.join(tmp, 'runs', 'unfinished'));
fs.writeFileSync(path.join(tmp, 'runs', 'unfinished', 'config.json'), '{}');

test('runs are grouped by what they trained; seeds give 90% bootstrap intervals; forward transfer over seeds', () => {
  const { runs, notes } = readRuns([path.join(tmp, 'runs')]);
  assert.equal(runs.length, 4);
  assert.match(notes.join('\n'), /skipped 1 unfinished run\(s\).*unfinished/);
  const groups = summarize(runs);
  assert.deepEqual(groups.map((g) => g.label).sort(), ['full', 'multitask (full)', 'packnet']);
  const full = groups.find((g) => g.label === 'full')!;
  assert.deepEqual(full.seeds.sort(), [42, 43]);
  // Final scores: seed 42 (0, 1), seed 43 (0.2, 0.8): performance 0.5 and 0.5.
  assert.equal(full.performance.mean, 0.5);
  assert.deepEqual(full.performance.ci, [0.5, 0.5]);
  // Forgetting: seed 42 ((0.8 - 0) + 0) / 2 = 0.4; seed 43 ((1 - 0.2) + 0) / 2 = 0.4.
  assert.ok(Math.abs(full.forgetting!.mean - 0.4) < 1e-12);
  // Learned (the end of each task's own phase): seed 42 (0.8, 1), seed 43 (1, 0.8): 0.9 and 0.9.
  assert.ok(Math.abs(full.learned!.mean - 0.9) < 1e-12);
  // Forward transfer: AUC hammer (0.6, 0.8) -> 0.7, push-wall (0.8, 0.6) -> 0.7; references 0.5: (0.7 - 0.5) / 0.5 = 0.4.
  assert.ok(Math.abs(full.forwardTransfer!.mean - 0.4) < 1e-12);
  assert.ok(Math.abs(full.forwardTransferMedian! - 0.4) < 1e-12);
  assert.ok(full.forwardTransfer!.ci && full.forwardTransfer!.ci[0] <= 0.4 + 1e-12 && 0.4 - 1e-12 <= full.forwardTransfer!.ci[1], JSON.stringify(full.forwardTransfer));
  assert.ok(Math.abs(full.retention!.mean - 0.3) < 1e-12);
  assert.deepEqual(full.retention!.ci, bootstrapMeanCI([0.2, 0.4]));
  assert.equal(full.retentionBase, 0.6);
  assert.deepEqual(full.final, [0.1, 0.9]);
  assert.deepEqual(full.matrix, [[0.9, 0.1], [0.1, 0.9]]);
  const pn = groups.find((g) => g.label === 'packnet')!;
  assert.equal(pn.performance.ci, undefined, 'one seed: no interval');
  assert.equal(pn.forgetting!.mean, 0);
  assert.equal(pn.forwardTransfer, null);
  assert.equal(pn.forwardTransferMedian, null);
  const mt = groups.find((g) => g.mode === 'multitask')!;
  assert.equal(mt.forgetting, null);
  assert.equal(mt.learned, null);
  assert.equal(mt.matrix, null);
  assert.equal(mt.performance.mean, 0.9);
});

test('groups of one method are told apart by the settings they depart in', () => {
  const l2m = (cfg: Record<string, unknown>) => ({ mode: 'sequential' as const, method: 'l2m', methodConfig: { pool: 30, countPenalty: true, ...cfg } });
  assert.deepEqual(
    groupLabels([l2m({}), l2m({ oracle: { tasks: 10 } }), l2m({ countPenalty: false }), l2m({ pretrainKeys: 10 }), { mode: 'multitask', method: 'full', methodConfig: {} }, { mode: 'sequential', method: 'full', methodConfig: {} }]),
    ['l2m', 'l2m (oracle)', 'l2m (countPenalty=false)', 'l2m (pretrainKeys=10)', 'multitask (full)', 'full'],
  );
  // Two groups: the one with the extra key is named by it; a value everyone has differently is named in each.
  assert.deepEqual(groupLabels([l2m({ oracle: { tasks: 10 } }), l2m({})]), ['l2m (oracle)', 'l2m']);
  const l2p = (form: string) => ({ mode: 'sequential' as const, method: 'l2p', methodConfig: { pool: 100, form } });
  assert.deepEqual(groupLabels([l2p('prompt'), l2p('prefix'), l2p('ptuning-v2')]), ['l2p (form=prompt)', 'l2p (form=prefix)', 'l2p (form=ptuning-v2)']);
  // A key most groups have and one lacks; identical settings fall back to numbering in summarize.
  assert.deepEqual(groupLabels([l2m({ pretrainKeys: 10 }), l2m({ pretrainKeys: 10 }), l2m({})]), ['l2m', 'l2m', 'l2m (no pretrainKeys)']);
});

test('l2m report writes report.md and SVG charts readable offline', async () => {
  const out = path.join(tmp, 'report');
  const { files, markdown } = await writeReport([full42, full43, packnet, multitask], out);
  for (const f of ['report.md', 'methods.svg', 'average.svg', 'curves-full.svg', 'matrix-full.svg', 'curves-packnet.svg', 'matrix-packnet.svg', 'curves-multitask-full.svg']) {
    assert.ok(files.includes(path.join(out, f)), f);
    if (f.endsWith('.svg')) assert.match(fs.readFileSync(path.join(out, f), 'utf8'), /^<svg[\s\S]*<\/svg>\s*$/, f);
  }
  assert.ok(!fs.existsSync(path.join(out, 'matrix-multitask-full.svg')), 'no matrix for a multi-task run');
  assert.match(markdown, /\| full \| 2 \(42, 43\) \| 10 \| 0\.500 \[0\.500, 0\.500\] \| 0\.400 \[[^|]*\] \| 0\.900 \[0\.900, 0\.900\] \| 0\.400 \[[^|]*\] \| 0\.400 \| /);
  assert.match(markdown, /\| packnet \| 1 \(42\) \| 10 \| 0\.700 \| 0\.000 \| 0\.700 \| - \| - \| 0\.600 \| 0\.600 \| 10 of 1,000 \|/);
  assert.match(markdown, /## Final score per task/);
  assert.match(markdown, /!\[full: matrix\]\(matrix-full\.svg\)/);
  // Every image the markdown names is there (relative paths: the folder reads offline).
  for (const [, img] of markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) assert.ok(fs.existsSync(path.join(out, img!)), img);
  // The task curves mark the task boundary and shade each task's own phase.
  const curves = fs.readFileSync(path.join(out, 'curves-full.svg'), 'utf8');
  assert.match(curves, /hammer-v2/);
  assert.match(curves, /stroke-dasharray/);
});

test('l2m report on the command line; bad input is a clear error', () => {
  const out = path.join(tmp, 'cli-report');
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'l2m.mjs'), 'report', full42, packnet, '--out', out], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /# Continual learning report/);
  assert.ok(fs.existsSync(path.join(out, 'report.md')));
  assert.throws(() => readRuns([path.join(tmp, 'runs', 'unfinished')]), /has not finished \(no results.json\)/);
  assert.throws(() => readRuns([path.join(tmp, 'nowhere')]), /does not exist/);
  assert.throws(() => readRuns([tmp]), /not a continual run folder and holds none/);
});
