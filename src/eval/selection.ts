/**
 * Pool selection statistics (L2P, L2M): which pool entry each task's windows select, from a continual
 * run's `selection.json` (`src/train/continual.ts`) or from one evaluation (`l2m eval --adapter ...
 * --selection`). The heatmaps are drawn by `selectionHeatmapSvg` (`continual-plots.ts`).
 *
 * What they show: a row per task, a column per pool entry (then the pre-training keys), each row the
 * shares of that task's selections. A healthy pool gives each task its own entries (a diagonal-ish
 * pattern, new tasks on new entries, as the count penalty pushes); the prompt-pool failure that users
 * report (`continual-notes.md`) is a column lit for every task: a few entries picked by all of them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SelectionMatrix } from '../adapt/pool.ts';
import type { SelectionLog } from '../train/continual.ts';
import { selectionHeatmapSvg, type SelectionPanel } from './continual-plots.ts';

/** The element-wise sum of matrices (rows matched by task id). */
export function sumSelections(ms: readonly SelectionMatrix[]): SelectionMatrix {
  if (ms.length === 0) throw new Error('sumSelections: no matrices');
  const entries = ms[0]!.entries;
  const rows = new Map<number, number[]>();
  for (const m of ms) {
    if (m.entries !== entries) throw new Error(`sumSelections: matrices of ${entries} and ${m.entries} entries`);
    m.tasks.forEach((t, i) => {
      const row = rows.get(t) ?? new Array<number>(entries).fill(0);
      m.counts[i]!.forEach((c, j) => (row[j] = row[j]! + c));
      rows.set(t, row);
    });
  }
  const tasks = [...rows.keys()].sort((a, b) => a - b);
  return { entries, tasks, counts: tasks.map((t) => rows.get(t)!) };
}

export interface SelectionSummary {
  /** Selections counted. */
  total: number;
  /** Entries selected at least once (of `entries`). */
  used: number;
  entries: number;
  /** The entry with the most selections overall, its share of all selections, and how many tasks have it as their own most-selected entry. */
  top: { entry: number; share: number; tasksWithIt: number } | null;
  /** Per task: its most-selected entry and that entry's share of the task's selections. */
  perTask: Array<{ task: number; entry: number; share: number }>;
}

export function selectionSummary(m: SelectionMatrix): SelectionSummary {
  const col = new Array<number>(m.entries).fill(0);
  for (const row of m.counts) row.forEach((c, j) => (col[j] = col[j]! + c));
  const total = col.reduce((a, b) => a + b, 0);
  const argmax = (xs: readonly number[]): number => xs.reduce((best, x, j) => (x > xs[best]! ? j : best), 0);
  const perTask = m.tasks.map((task, i) => {
    const row = m.counts[i]!;
    const s = row.reduce((a, b) => a + b, 0);
    const entry = argmax(row);
    return { task, entry, share: s > 0 ? row[entry]! / s : 0 };
  });
  const topEntry = argmax(col);
  return {
    total,
    used: col.filter((c) => c > 0).length,
    entries: m.entries,
    top: total > 0 ? { entry: topEntry, share: col[topEntry]! / total, tasksWithIt: perTask.filter((p) => p.entry === topEntry && p.share > 0).length } : null,
    perTask,
  };
}

/** One line about a matrix: entries used, the most-selected entry and how many tasks it dominates. */
export function summaryLine(m: SelectionMatrix, pool: number): string {
  const s = selectionSummary(m);
  if (!s.top) return 'no selections recorded';
  const name = (j: number): string => (j < pool ? `entry ${j}` : `pre-training key ${j - pool}`);
  return `${s.used} of ${s.entries} entries used; the most selected, ${name(s.top.entry)}, takes ${(100 * s.top.share).toFixed(1)}% of the selections and is the first choice of ${s.top.tasksWithIt} of ${m.tasks.length} task(s)`;
}

/** The shares of one task's row in a matrix (null when the task has no row or no selections). */
function rowShares(m: SelectionMatrix, task: number): number[] | null {
  const i = m.tasks.indexOf(task);
  if (i < 0) return null;
  const row = m.counts[i]!;
  const s = row.reduce((a, b) => a + b, 0);
  return s > 0 ? row.map((c) => c / s) : null;
}

/** Sum over entries of min(a, b): the share of two selection distributions that agrees (1: the same entries, 0: disjoint). */
export function selectionAgreement(a: readonly number[], b: readonly number[]): number {
  return a.reduce((acc, x, j) => acc + Math.min(x, b[j] ?? 0), 0);
}

export interface TaskAgreement {
  task: number;
  /** Agreement of the task's training windows (its own phase) with its evaluation windows at the end of that phase. */
  endOfPhase: number | null;
  /** The same against the evaluation after the last phase. */
  final: number | null;
}

/**
 * Whether a task is evaluated on the modulators it trained: training selects with the count penalty
 * and evaluation without it (`l2m-spec.md` section 4), so the two can pick different entries; where
 * they do, the entries the task trained are never used when it is evaluated.
 */
export function trainEvalAgreement(log: SelectionLog): TaskAgreement[] {
  const finalEval = log.eval.filter((e) => e && e.what === 'end').at(-1);
  return log.train.filter(Boolean).map((tr) => {
    const task = tr.phase;
    const trained = rowShares(tr.matrix, task);
    const end = log.eval.filter((e) => e && e.what === 'end' && e.phase === task).at(-1);
    const at = (m: SelectionMatrix | undefined): number | null => {
      const ev = m ? rowShares(m, task) : null;
      return trained && ev ? selectionAgreement(trained, ev) : null;
    };
    return { task, endOfPhase: at(end?.matrix), final: at(finalEval?.matrix) };
  });
}

export function readSelectionLog(runDir: string): SelectionLog | undefined {
  const file = path.join(runDir, 'selection.json');
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SelectionLog;
}

/**
 * The panels of a run's (or its seeds') heatmap: training (each task's windows in its own phase), the
 * final evaluation (the last phase's end), and retention (with and without pre-training keys). Several
 * logs (seeds of one method) are summed.
 */
export function selectionPanels(logs: readonly SelectionLog[]): SelectionPanel[] {
  const panels: SelectionPanel[] = [];
  const train = logs.flatMap((l) => l.train.filter(Boolean).map((r) => r.matrix)).filter((m) => m.tasks.length > 0);
  if (train.length > 0) panels.push({ panel: 'training: the windows of each task in its own phase', matrix: sumSelections(train) });
  const finals = logs.map((l) => l.eval.filter((e) => e && e.what === 'end').at(-1)).filter((e): e is NonNullable<typeof e> => e !== undefined);
  if (finals.length > 0) panels.push({ panel: `evaluation after the last phase (update ${finals[0]!.update}): every task of the sequence`, matrix: sumSelections(finals.map((e) => e.matrix)) });
  for (const withKeys of [true, false]) {
    const r = logs.map((l) => l.retention.find((x) => x.pretrainKeys === withKeys)?.matrix).filter((m): m is SelectionMatrix => m !== undefined && m.tasks.length > 0);
    const anyKeys = logs.some((l) => l.pretrainKeys > 0);
    if (r.length > 0) panels.push({ panel: `retention (pre-training tasks)${anyKeys ? (withKeys ? ', with the pre-training keys' : ', without the pre-training keys') : ''}`, matrix: sumSelections(r) });
  }
  return panels;
}

/** The heatmap SVG of `selectionPanels(logs)`. */
export function runSelectionSvg(logs: readonly SelectionLog[], title: string): Promise<string> {
  const l0 = logs[0]!;
  const names = Object.assign({}, ...logs.map((l) => l.names)) as Record<string, string>;
  return selectionHeatmapSvg(selectionPanels(logs), { pool: l0.pool, names, title });
}

/**
 * Task ids for evaluating an adapter's pool on `tasks`: the index of each task in the sequence the
 * adapter was trained on (a continual phase snapshot's `extra.sequence`, a fine-tuning adapter's
 * `extra.task`), the others numbered after it. An oracle needs every task in its sequence.
 */
export function selectionTaskIds(tasks: readonly string[], extra: unknown, oracle: boolean): { ids: Record<string, number>; names: Record<string, string>; sequence: string[] } {
  const e = (extra ?? {}) as { sequence?: unknown; task?: unknown };
  const sequence = Array.isArray(e.sequence) ? e.sequence.map(String) : typeof e.task === 'string' ? [e.task] : [];
  const find = (t: string): number => sequence.findIndex((s) => s === t || s === `${t}-v2` || s.replace(/-v2$/, '') === t);
  const outside = tasks.filter((t) => find(t) < 0);
  if (oracle && outside.length > 0) {
    throw new Error(
      sequence.length === 0
        ? 'the adapter is an oracle (oracle: { tasks }) but records no task sequence, so its windows cannot get task ids: evaluate a phase snapshot of `l2m continual` (phases/<i>-<task>/)'
        : `the adapter is an oracle: it has a block only for the tasks of its sequence (${sequence.join(', ')}), not for ${outside.join(', ')}`,
    );
  }
  const ids: Record<string, number> = {};
  const names: Record<string, string> = Object.fromEntries(sequence.map((t, i) => [String(i), t]));
  let next = sequence.length;
  for (const t of tasks) {
    const i = find(t);
    ids[t] = i >= 0 ? i : next++;
    names[String(ids[t])] = t;
  }
  return { ids, names, sequence };
}
