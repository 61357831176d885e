import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  EVAL_CSV_HEADER,
  bootstrapForwardTransferCI,
  bootstrapMeanCI,
  continualMetrics,
  forwardTransfer,
  normalizedForwardTransfer,
  parseEvalCsv,
  quantileMidpoint,
} from '../src/eval/continual-metrics.ts';
import { readReferences } from '../src/train/continual.ts';

/**
 * A synthetic eval.csv: tasks A, B, C, 10 updates per task, evaluations at 0, 5, 10 | 13, 16, 20 | 25, 30
 * (phase windows (0,10], (10,20], (20,30]). Scores by update:
 *        0    5    10   13   16   20   25   30
 *   A    0    .4   .8   .6   .6   .4   .2   0
 *   B    0    0    .2   .2   .6   1    .8   .6
 *   C    .2   .2   .2   .4   .4   .4   .8   1
 */
const updates = [0, 5, 10, 13, 16, 20, 25, 30];
const scores: Record<string, number[]> = {
  A: [0, 0.4, 0.8, 0.6, 0.6, 0.4, 0.2, 0],
  B: [0, 0, 0.2, 0.2, 0.6, 1, 0.8, 0.6],
  C: [0.2, 0.2, 0.2, 0.4, 0.4, 0.4, 0.8, 1],
};
const tasks = ['A', 'B', 'C'];
const phaseOf = (u: number): number => (u === 0 ? 0 : Math.floor((u - 1) / 10));
const csv = [
  EVAL_CSV_HEADER,
  ...updates.flatMap((u, i) => tasks.map((t) => `${u},${phaseOf(u)},${tasks[phaseOf(u)]},${t},metaworld,5,${scores[t]![i]},${100 * scores[t]![i]!},,${scores[t]![i]}`)),
].join('\n');
const rows = parseEvalCsv(csv);
const close = (a: number, b: number, msg?: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${msg ?? ''} ${a} != ${b}`);
const closeAll = (a: readonly number[], b: readonly number[], msg?: string): void => {
  assert.equal(a.length, b.length, msg ?? "");
  a.forEach((x, i) => close(x, b[i]!, `${msg ?? ''}[${i}]`));
};

test('eval.csv parses (header, optional columns)', () => {
  assert.equal(rows.length, 24);
  assert.deepEqual(rows[3], { update: 5, phase: 0, phaseTask: 'A', task: 'A', domain: 'metaworld', episodes: 5, success: 0.4, return: 40, normalizedScore: null, score: 0.4 });
  assert.throws(() => parseEvalCsv('update,task\n1,A'), /not a continual eval.csv/);
  assert.throws(() => parseEvalCsv(`${EVAL_CSV_HEADER}\n1,0,A,A`), /expected 10 columns/);
});

test('metrics against hand-computed values: last evaluation (k = 1)', () => {
  const m = continualMetrics(rows, { tasks, stepsPerTask: 10, lastK: 1, mode: 'sequential' });
  closeAll(m.initial, [0, 0, 0.2], 'initial');
  // matrix[p] = the scores at the end of phase p: updates 10, 20, 30.
  closeAll(m.matrix![0]!, [0.8, 0.2, 0.2], 'after phase 0');
  closeAll(m.matrix![1]!, [0.4, 1, 0.4], 'after phase 1');
  closeAll(m.matrix![2]!, [0, 0.6, 1], 'after phase 2');
  closeAll(m.final, [0, 0.6, 1], 'final');
  close(m.performance, 1.6 / 3, 'performance');
  // forgetting: own phase end minus final: A 0.8 - 0, B 1 - 0.6, C 1 - 1.
  closeAll(m.forgetting!.perTask, [0.8, 0.4, 0], 'forgetting');
  close(m.forgetting!.mean, 1.2 / 3, 'mean forgetting');
  // AUC: the mean over every evaluation of the task's own window (update 0 excluded).
  closeAll(m.auc!, [(0.4 + 0.8) / 2, (0.2 + 0.6 + 1) / 3, (0.8 + 1) / 2], 'auc');
});

test('metrics against hand-computed values: last-k averaging (k = 2)', () => {
  const m = continualMetrics(rows, { tasks, stepsPerTask: 10, lastK: 2, mode: 'sequential' });
  closeAll(m.matrix![0]!, [(0.4 + 0.8) / 2, (0 + 0.2) / 2, 0.2], 'after phase 0 (updates 5, 10)');
  closeAll(m.matrix![1]!, [(0.6 + 0.4) / 2, (0.6 + 1) / 2, 0.4], 'after phase 1 (updates 16, 20; 13 is not among the last 2)');
  closeAll(m.matrix![2]!, [0.1, 0.7, 0.9], 'after phase 2 (updates 25, 30)');
  close(m.performance, (0.1 + 0.7 + 0.9) / 3);
  closeAll(m.forgetting!.perTask, [0.6 - 0.1, 0.8 - 0.7, 0], 'forgetting');
  close(m.forgetting!.mean, 0.6 / 3);
  // k larger than the window: every evaluation of the window.
  const m5 = continualMetrics(rows, { tasks, stepsPerTask: 10, lastK: 5, mode: 'sequential' });
  closeAll(m5.matrix![1]!, [(0.6 + 0.6 + 0.4) / 3, (0.2 + 0.6 + 1) / 3, 0.4]);
  assert.throws(() => continualMetrics(rows, { tasks, stepsPerTask: 10, lastK: 0, mode: 'sequential' }), /lastK/);
});

test('normalised forward transfer against hand-computed values', () => {
  const m = continualMetrics(rows, { tasks, stepsPerTask: 10, lastK: 1, mode: 'sequential' });
  // References: A 0.5, B 0.8, none for C.
  const ft = forwardTransfer(m.auc!, [0.5, 0.8, null]);
  close(ft.perTask[0]!, (0.6 - 0.5) / (1 - 0.5));
  close(ft.perTask[1]!, (0.6 - 0.8) / (1 - 0.8));
  assert.equal(ft.perTask[2], null);
  close(ft.mean, (0.2 + -1) / 2);
  assert.equal(normalizedForwardTransfer(0.5, 1), null, 'a perfect reference leaves it undefined');
  assert.equal(normalizedForwardTransfer(0.5, null), null);
});

test('multi-task runs: the final score of each task, no matrix', () => {
  const m = continualMetrics(rows, { tasks, stepsPerTask: 10, lastK: 2, mode: 'multitask' });
  assert.equal(m.matrix, null);
  assert.equal(m.forgetting, null);
  closeAll(m.final, [0.1, 0.7, 0.9]);
});

test('reference runs: AUC over (0, stepsPerTask] of an l2m finetune run; budget and task checked', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-ref-'));
  try {
    const mk = (name: string, task: string, steps: number, lines: string[], finished = true): string => {
      const dir = path.join(tmp, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ task, base: 'runs/base', train: { steps } }));
      fs.writeFileSync(path.join(dir, 'eval.csv'), ['update,task,domain,score,mean_return,success_rate,normalized_score', ...lines].join('\n') + '\n');
      if (finished) fs.writeFileSync(path.join(dir, 'results.json'), '{}');
      return dir;
    };
    const a = mk('a', 'hammer-v2', 10, ['5,hammer-v2,metaworld,0.4,1,0.4,', '10,hammer-v2,metaworld,0.6,1,0.6,', '12,hammer-v2,metaworld,1,1,1,']);
    const [ref] = readReferences([a], ['hammer-v2', 'push-v2'], 10);
    close(ref!.auc, 0.5);
    assert.equal(ref!.task, 'hammer-v2');
    const b = mk('b', 'hammer', 20, ['10,hammer-v2,metaworld,0.4,1,0.4,']);
    assert.throws(() => readReferences([b], ['hammer-v2'], 10), /trained 20 updates, not stepsPerTask = 10/);
    const c = mk('c', 'reach-v2', 10, ['10,reach-v2,metaworld,0.4,1,0.4,']);
    assert.throws(() => readReferences([c], ['hammer-v2'], 10), /'reach-v2', which is not in the sequence/);
    const d = mk('d', 'hammer-v2', 10, [], false);
    assert.throws(() => readReferences([d], ['hammer-v2'], 10), /has not finished/);
    assert.throws(() => readReferences([path.join(tmp, 'nowhere')], ['hammer-v2'], 10), /not an `l2m finetune` run folder/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('bootstrap intervals: numpy midpoint quantiles, 4000 resamples, degenerate and ordered cases', () => {
  close(quantileMidpoint([1, 2, 3, 4], 0.05), 1.5);
  close(quantileMidpoint([1, 2, 3, 4], 0.95), 3.5);
  close(quantileMidpoint([1, 2, 3, 4, 5], 0.5), 3);
  closeAll(bootstrapMeanCI([0.7, 0.7, 0.7]), [0.7, 0.7]);
  const [lo, hi] = bootstrapMeanCI([0.1, 0.5, 0.9, 0.3, 0.6]);
  assert.ok(lo < 0.48 && 0.48 < hi && lo >= 0.1 && hi <= 0.9, `${lo} < mean < ${hi}`);
  assert.deepEqual(bootstrapMeanCI([0.1, 0.5, 0.9, 0.3, 0.6]), [lo, hi], 'seeded: the same interval every time');
  // One run and one reference per task: the interval is the point estimate.
  const [flo, fhi] = bootstrapForwardTransferCI([[0.6, 0.6]], [[0.5], [0.8]]);
  assert.ok(Math.abs(flo - (0.2 - 1) / 2) < 1e-9);
  assert.ok(Math.abs(fhi - (0.2 - 1) / 2) < 1e-9);
  const [glo, ghi] = bootstrapForwardTransferCI([[0.6, 0.6], [0.8, 0.4], [0.7, 0.9]], [[0.5, 0.4], [0.8], []]);
  assert.ok(glo <= ghi && Number.isFinite(glo));
});
