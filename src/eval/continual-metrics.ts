/**
 * Continual-learning metrics as Continual World defines them (`continualworld/results_processing/
 * tables.py`; docs/continual.md), computed from a continual run's `eval.csv`.
 *
 * A run trains tasks 0..N-1 one after another, `S` updates each; task i's phase is the update window
 * (i·S, (i+1)·S]. Every evaluation scores every task of the sequence (success rate for Meta-World, the
 * data-normalised score for DMControl: the `score` column). The evaluation at update 0 (before any
 * training) belongs to no window: it starts the curves and enters no metric.
 *
 * - score of task j at the end of phase p: the mean of j's last k evaluations in p's window (k =
 *   `lastK`; Continual World: 5, L2M: 1, the last evaluation);
 * - matrix[p][j]: that, for every phase p and task j;
 * - final[j] = matrix[N-1][j]; performance = mean over j of final[j];
 * - forgetting[j] = matrix[j][j] - final[j]; its mean is over all N tasks (the last one included, 0 by
 *   construction), as Continual World;
 * - AUC[j]: the mean of j's scores over all evaluations in its own window (the area under its training
 *   curve); AUC_ref[j] the same from a single-task reference run of the same budget;
 *   forward transfer[j] = (AUC[j] - AUC_ref[j]) / (1 - AUC_ref[j]) (undefined when AUC_ref[j] = 1),
 *   its mean over the tasks that have one.
 *
 * A multi-task run (`mode: multitask`) has one window (0, N·S]: performance only.
 *
 * Confidence intervals over seeds are Continual World's bootstrap: 4000 resamples of the seeds with
 * replacement, the 5% and 95% quantiles with numpy's 'midpoint' interpolation (its generator differs:
 * ours is a seeded xoshiro, `src/envs/rng.ts`).
 */
import { Rng } from '../envs/rng.ts';
import { mean } from './metrics.ts';

/** One row of a continual run's eval.csv: one task at one evaluation. */
export interface ContinualEvalRow {
  update: number;
  /** The phase the evaluation belongs to (the task being trained; 0 at update 0). */
  phase: number;
  /** Name of the task trained in that phase (multi-task runs: 'all'). */
  phaseTask: string;
  task: string;
  domain: string;
  episodes: number;
  /** Meta-World: success rate at the final step; DMControl: null. */
  success: number | null;
  /** Mean episode return. */
  return: number;
  /** DMControl: data-normalised score; Meta-World: null. */
  normalizedScore: number | null;
  /** success (Meta-World) or normalised score (DMControl). */
  score: number;
}

export const EVAL_CSV_HEADER = 'update,phase,phase_task,task,domain,episodes,success,return,normalized_score,score';

const num = (x: number | null): string => (x === null || Number.isNaN(x) ? '' : String(x));

export function evalCsvLine(r: ContinualEvalRow): string {
  return [r.update, r.phase, r.phaseTask, r.task, r.domain, r.episodes, num(r.success), num(r.return), num(r.normalizedScore), num(r.score)].join(',');
}

/** Parses eval.csv text (header required); `where` names the file in errors. */
export function parseEvalCsv(text: string, where = 'eval.csv'): ContinualEvalRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0 || lines[0] !== EVAL_CSV_HEADER) throw new Error(`${where}: not a continual eval.csv (expected the header '${EVAL_CSV_HEADER}')`);
  const opt = (s: string): number | null => (s === '' ? null : Number(s));
  return lines.slice(1).map((l, i) => {
    const c = l.split(',');
    if (c.length !== 10) throw new Error(`${where}:${i + 2}: expected 10 columns, got ${c.length}`);
    const row: ContinualEvalRow = {
      update: Number(c[0]),
      phase: Number(c[1]),
      phaseTask: c[2]!,
      task: c[3]!,
      domain: c[4]!,
      episodes: Number(c[5]),
      success: opt(c[6]!),
      return: Number(c[7]),
      normalizedScore: opt(c[8]!),
      score: Number(c[9]),
    };
    if (!Number.isInteger(row.update) || !Number.isInteger(row.phase) || !Number.isFinite(row.score)) throw new Error(`${where}:${i + 2}: malformed row '${l}'`);
    return row;
  });
}

export interface Protocol {
  tasks: readonly string[];
  stepsPerTask: number;
  /** Evaluations averaged for a score at the end of a phase (>= 1). */
  lastK: number;
  mode: 'sequential' | 'multitask';
}

/** The mean score of `task` over its last `k` evaluations with lo < update <= hi (NaN if none). */
export function lastKScore(rows: readonly ContinualEvalRow[], task: string, lo: number, hi: number, k: number): number {
  const xs = rows.filter((r) => r.task === task && r.update > lo && r.update <= hi).sort((a, b) => a.update - b.update);
  return mean(xs.slice(Math.max(0, xs.length - k)).map((r) => r.score));
}

/** The mean score of `task` over every evaluation with lo < update <= hi (the area under its curve, normalised; NaN if none). */
export function windowMean(rows: readonly { task: string; update: number; score: number }[], task: string, lo: number, hi: number): number {
  return mean(rows.filter((r) => r.task === task && r.update > lo && r.update <= hi).map((r) => r.score));
}

/** Continual World's normalised forward transfer; null where the reference is already perfect (or either is missing). */
export function normalizedForwardTransfer(auc: number, aucRef: number | null | undefined): number | null {
  if (aucRef === null || aucRef === undefined || !Number.isFinite(auc) || !Number.isFinite(aucRef) || aucRef >= 1) return null;
  return (auc - aucRef) / (1 - aucRef);
}

export interface ContinualMetrics {
  tasks: string[];
  /** Scores at update 0 (the base, before any training); NaN where not evaluated. */
  initial: number[];
  /** matrix[p][j]: task j at the end of phase p (last-k averaged); null for multi-task runs. */
  matrix: number[][] | null;
  /** Per task at the end of the run (last-k averaged). */
  final: number[];
  performance: number;
  /** Null for multi-task runs. */
  forgetting: { perTask: number[]; mean: number } | null;
  /** Per task, the mean score over its own phase (null for multi-task runs). */
  auc: number[] | null;
}

export function continualMetrics(rows: readonly ContinualEvalRow[], p: Protocol): ContinualMetrics {
  if (!(p.lastK >= 1 && Number.isInteger(p.lastK))) throw new Error(`lastK must be a positive integer, got ${p.lastK}`);
  const N = p.tasks.length;
  const S = p.stepsPerTask;
  const tasks = [...p.tasks];
  const initial = tasks.map((t) => mean(rows.filter((r) => r.task === t && r.update === 0).map((r) => r.score)));
  if (p.mode === 'multitask') {
    const final = tasks.map((t) => lastKScore(rows, t, 0, N * S, p.lastK));
    return { tasks, initial, matrix: null, final, performance: mean(final), forgetting: null, auc: null };
  }
  const matrix = Array.from({ length: N }, (_, ph) => tasks.map((t) => lastKScore(rows, t, ph * S, (ph + 1) * S, p.lastK)));
  const final = matrix[N - 1]!;
  const perTask = tasks.map((_, j) => matrix[j]![j]! - final[j]!);
  const auc = tasks.map((t, j) => windowMean(rows, t, j * S, (j + 1) * S));
  return { tasks, initial, matrix, final, performance: mean(final), forgetting: { perTask, mean: mean(perTask) }, auc };
}

export interface ForwardTransfer {
  /** Per task; null without a reference (or with a perfect one). */
  perTask: (number | null)[];
  /** Mean over the tasks that have a value. */
  mean: number;
  auc: number[];
  referenceAuc: (number | null)[];
}

export function forwardTransfer(auc: readonly number[], referenceAuc: readonly (number | null)[]): ForwardTransfer {
  const perTask = auc.map((a, j) => normalizedForwardTransfer(a, referenceAuc[j]));
  return { perTask, mean: mean(perTask.filter((x): x is number => x !== null)), auc: [...auc], referenceAuc: [...referenceAuc] };
}

// ---- bootstrap confidence intervals over seeds ----

/** numpy.quantile(x, q, interpolation='midpoint') of an ascending array. */
export function quantileMidpoint(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  return (sorted[Math.floor(h)]! + sorted[Math.ceil(h)]!) / 2;
}

export interface BootstrapOptions {
  resamples?: number;
  confidence?: number;
  seed?: number;
}

function bounds(stats: number[], confidence: number): [number, number] {
  const sorted = stats.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const sig = (1 - confidence) / 2;
  return [quantileMidpoint(sorted, sig), quantileMidpoint(sorted, 1 - sig)];
}

/** 90% interval of the mean of per-seed values (Continual World's `compute_mean_and_ci`). */
export function bootstrapMeanCI(values: readonly number[], opts: BootstrapOptions = {}): [number, number] {
  const B = opts.resamples ?? 4000;
  const n = values.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  const rng = new Rng(opts.seed ?? 0);
  const stats: number[] = [];
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)]!;
    stats.push(s / n);
  }
  return bounds(stats, opts.confidence ?? 0.9);
}

/**
 * 90% interval of the mean normalised forward transfer (Continual World's `calculate_forward_transfer`):
 * runs (rows of `auc`, one per seed) and each task's reference AUCs are resampled with replacement;
 * each resample's statistic is the mean over tasks of (mean AUC - mean AUC_ref) / (1 - mean AUC_ref).
 * Tasks without a reference are left out.
 */
export function bootstrapForwardTransferCI(auc: readonly (readonly number[])[], referenceAuc: readonly (readonly number[])[], opts: BootstrapOptions = {}): [number, number] {
  const B = opts.resamples ?? 4000;
  const n = auc.length;
  const T = referenceAuc.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  const rng = new Rng(opts.seed ?? 0);
  const stats: number[] = [];
  for (let b = 0; b < B; b++) {
    const rows = Array.from({ length: n }, () => auc[rng.int(n)]!);
    const fts: number[] = [];
    for (let j = 0; j < T; j++) {
      const refs = referenceAuc[j]!;
      if (refs.length === 0) continue;
      let r = 0;
      for (let i = 0; i < refs.length; i++) r += refs[rng.int(refs.length)]!;
      const ft = normalizedForwardTransfer(mean(rows.map((x) => x[j]!)), r / refs.length);
      if (ft !== null) fts.push(ft);
    }
    stats.push(mean(fts));
  }
  return bounds(stats, opts.confidence ?? 0.9);
}
