/**
 * `l2m report <run dirs...>`: tables and plots over continual runs (`l2m continual` run folders) and
 * their seeds, readable offline (report.md beside its SVG files):
 * - the method table: performance, forgetting, learned (end of own phase), forward transfer, retention (with the base's), trainable
 *   parameters; with several seeds of a method, Continual World's 90% bootstrap intervals (4000
 *   resamples; `continual-metrics.ts`);
 * - the final score of every task per method;
 * - per method: the success of every task over updates with task boundaries marked, and the matrix as a
 *   heatmap; over methods: the average score against updates;
 * - per pool method (L2P, L2M; runs with `selection.json`): the task x entry selection heatmap over
 *   training, at the final evaluation and at retention (seeds summed), with a line on how concentrated
 *   the selection is (`selection.ts`).
 * Runs are grouped by what they trained (sequence, mode, method and its config, updates per task);
 * runs of a group differ by seed. PNG is not written (Vega needs the optional `canvas` package for it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../torch/atomic-write.ts';
import type { ContinualResults } from '../train/continual.ts';
import { bootstrapForwardTransferCI, bootstrapMeanCI, normalizedForwardTransfer, parseEvalCsv, type ContinualEvalRow } from './continual-metrics.ts';
import { averageCurvesSvg, matrixHeatmapSvg, methodBarsSvg, taskCurvesSvg, type CurvePoint, type MethodBar } from './continual-plots.ts';
import { formatScore, mean, median } from './metrics.ts';
import { readSelectionLog, runSelectionSvg, selectionPanels, summaryLine, trainEvalAgreement } from './selection.ts';
import type { SelectionLog } from '../train/continual.ts';

export interface RunData {
  dir: string;
  results: ContinualResults;
  rows: ContinualEvalRow[];
  /** A pool method's selection statistics (selection.json), when the run has them. */
  selection?: SelectionLog;
}

/** A value over the runs of a group: the mean, and the 90% interval when there are several runs. */
export interface Stat {
  mean: number;
  ci?: [number, number];
}

export interface GroupSummary {
  label: string;
  mode: 'sequential' | 'multitask';
  method: string;
  tasks: string[];
  stepsPerTask: number;
  runs: RunData[];
  seeds: number[];
  performance: Stat;
  forgetting: Stat | null;
  /** Mean over tasks of each task's score at the end of its own phase (the matrix's diagonal); null for multi-task runs. */
  learned: Stat | null;
  forwardTransfer: Stat | null;
  /** The median over tasks of the per-task forward transfer (a task whose reference is near 1 can dominate the mean). */
  forwardTransferMedian: number | null;
  retention: Stat | null;
  retentionBase: number | null;
  /** Retention without the pre-training keys (methods with pre-training keys). */
  retentionWithoutKeys: Stat | null;
  /** Mean over runs of the training time per protocol update. */
  secondsPerUpdate: number;
  trainableParams: number;
  totalParams: number;
  /** Means over runs. */
  final: number[];
  matrix: number[][] | null;
  curves: CurvePoint[];
}

const isRun = (dir: string): boolean => fs.existsSync(path.join(dir, 'results.json')) && fs.existsSync(path.join(dir, 'eval.csv'));

/** Reads run folders; a folder that is not a run but holds runs (e.g. runs/continual) stands for them. */
export function readRuns(dirs: readonly string[]): { runs: RunData[]; notes: string[] } {
  if (dirs.length === 0) throw new Error('report: no run folders given');
  const notes: string[] = [];
  const found: string[] = [];
  for (const d of dirs) {
    const dir = path.resolve(d);
    if (!fs.existsSync(dir)) throw new Error(`report: ${dir} does not exist`);
    if (isRun(dir)) {
      found.push(dir);
      continue;
    }
    if (fs.existsSync(path.join(dir, 'config.json'))) throw new Error(`report: ${dir} has not finished (no results.json): resume it with \`l2m continual --config ... --resume\``);
    const inner = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => path.join(dir, e.name));
    const runs = inner.filter(isRun);
    const unfinished = inner.filter((x) => !isRun(x) && fs.existsSync(path.join(x, 'config.json')));
    if (runs.length === 0) throw new Error(`report: ${dir} is not a continual run folder and holds none (expected results.json and eval.csv)`);
    if (unfinished.length > 0) notes.push(`skipped ${unfinished.length} unfinished run(s) in ${dir}: ${unfinished.map((x) => path.basename(x)).join(', ')}`);
    found.push(...runs);
  }
  const runs = [...new Set(found)].map((dir): RunData => {
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as ContinualResults;
    if (!Array.isArray(results.tasks) || typeof results.performance !== 'number' || !('stepsPerTask' in results)) throw new Error(`report: ${dir}/results.json is not a continual run's results (an \`l2m finetune\` run?)`);
    const selection = readSelectionLog(dir);
    return { dir, results, rows: parseEvalCsv(fs.readFileSync(path.join(dir, 'eval.csv'), 'utf8'), path.join(dir, 'eval.csv')), ...(selection ? { selection } : {}) };
  });
  return { runs, notes };
}

function stat(values: number[]): Stat {
  const xs = values.filter((v) => Number.isFinite(v));
  return xs.length > 1 ? { mean: mean(xs), ci: bootstrapMeanCI(xs) } : { mean: mean(xs) };
}

/** Mean over runs of each task's score at each evaluated update. */
function meanCurves(runs: readonly RunData[]): CurvePoint[] {
  const acc = new Map<string, { update: number; task: string; sum: number; n: number }>();
  for (const r of runs) {
    for (const row of r.rows) {
      const k = `${row.update}\u0000${row.task}`;
      const e = acc.get(k) ?? { update: row.update, task: row.task, sum: 0, n: 0 };
      e.sum += row.score;
      e.n += 1;
      acc.set(k, e);
    }
  }
  return [...acc.values()].map((e) => ({ update: e.update, task: e.task, score: e.sum / e.n })).sort((a, b) => a.update - b.update);
}

/**
 * One label per group: the method (multi-task runs say so), and where several groups share it, the
 * method settings in which a group departs from the setting most of them share (an absent key counts as
 * a value; on a tie, absence, else no common setting), e.g. `l2m (oracle)`, `l2m (countPenalty=false)`,
 * `l2p (form=prompt)`, `l2m (no pretrainKeys)`.
 */
export function groupLabels(results: ReadonlyArray<Pick<ContinualResults, 'mode' | 'method' | 'methodConfig'>>): string[] {
  const base = results.map((r) => (r.mode === 'multitask' ? `multitask (${r.method})` : r.method));
  return results.map((r, i) => {
    const peers = results.filter((_, j) => base[j] === base[i]);
    if (peers.length < 2) return base[i]!;
    const cfgOf = (x: (typeof results)[number]): Record<string, unknown> => (x.methodConfig ?? {}) as Record<string, unknown>;
    const keys = [...new Set(peers.flatMap((x) => Object.keys(cfgOf(x))))].sort();
    const parts: string[] = [];
    for (const k of keys) {
      const values = peers.map((x) => JSON.stringify(cfgOf(x)[k]));
      const counts = new Map<string | undefined, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      const most = Math.max(...counts.values());
      const tied = [...counts.keys()].filter((v) => counts.get(v) === most);
      // The setting most groups share; on a tie, absence if it is among the tied, else none (each names its own).
      const common: string | undefined | null = tied.length === 1 ? tied[0] : tied.includes(undefined) ? undefined : null;
      const v = cfgOf(r)[k];
      const mine = JSON.stringify(v);
      if (mine === common) continue;
      if (mine === undefined) {
        parts.push(`no ${k}`);
        continue;
      }
      parts.push(v === true || (typeof v === 'object' && v !== null) ? k : `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    }
    return parts.length > 0 ? `${base[i]} (${parts.join(', ')})` : base[i]!;
  });
}

/** Groups runs by what they trained and summarises each group. */
export function summarize(runs: readonly RunData[]): GroupSummary[] {
  const groups = new Map<string, RunData[]>();
  for (const r of runs) {
    const x = r.results;
    const key = JSON.stringify([x.tasks, x.mode, x.method, x.methodConfig, x.stepsPerTask, x.episodes, x.lastK, x.evalEvery]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const labels = groupLabels([...groups.values()].map((rs) => rs[0]!.results));
  const seen = new Map<string, number>();
  return [...groups.values()].map((rs, gi): GroupSummary => {
    const r0 = rs[0]!.results;
    let label = labels[gi]!;
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    if (n > 1) label = `${label} #${n}`;
    const T = r0.tasks.length;
    // Forward transfer over seeds as Continual World: per task (mean AUC - mean AUC_ref) / (1 - mean AUC_ref), averaged over tasks.
    let forwardTransfer: Stat | null = null;
    let forwardTransferMedian: number | null = null;
    const withFt = rs.filter((r) => r.results.forward_transfer && r.results.auc);
    if (withFt.length > 0) {
      const auc = withFt.map((r) => r.results.auc!);
      const refs = r0.tasks.map((t) => {
        const byRun = new Map<string, number>();
        for (const r of withFt) for (const ref of r.results.forward_transfer!.references[t] ?? []) byRun.set(ref.run, ref.auc);
        return [...byRun.values()];
      });
      const per = r0.tasks.map((_, j) => (refs[j]!.length > 0 ? normalizedForwardTransfer(mean(auc.map((a) => a[j]!)), mean(refs[j]!)) : null));
      const defined = per.filter((v): v is number => v !== null);
      const m = mean(defined);
      forwardTransferMedian = median(defined);
      forwardTransfer = withFt.length > 1 || refs.some((x) => x.length > 1) ? { mean: m, ci: bootstrapForwardTransferCI(auc, refs) } : { mean: m };
    }
    const matrices = rs.map((r) => r.results.matrix).filter((m): m is number[][] => m !== null);
    const withRet = rs.filter((r) => r.results.retention);
    return {
      label,
      mode: r0.mode,
      method: r0.method,
      tasks: r0.tasks,
      stepsPerTask: r0.stepsPerTask,
      runs: rs,
      seeds: rs.map((r) => r.results.seed),
      performance: stat(rs.map((r) => r.results.performance)),
      forgetting: r0.mode === 'multitask' ? null : stat(rs.map((r) => r.results.forgetting?.mean ?? Number.NaN)),
      learned: r0.mode === 'multitask' ? null : stat(rs.map((r) => (r.results.matrix ? mean(r.results.matrix.map((row, j) => row[j]!)) : Number.NaN))),
      forwardTransfer,
      forwardTransferMedian,
      retention: withRet.length > 0 ? stat(withRet.map((r) => r.results.retention!.mean)) : null,
      retentionBase: withRet.length > 0 ? mean(withRet.map((r) => r.results.retention!.baseMean)) : null,
      retentionWithoutKeys: withRet.some((r) => r.results.retention!.withoutPretrainKeys) ? stat(withRet.map((r) => r.results.retention!.withoutPretrainKeys?.mean ?? Number.NaN)) : null,
      secondsPerUpdate: mean(rs.map((r) => r.results.secondsPerUpdate).filter((x) => Number.isFinite(x))),
      trainableParams: r0.trainableParams,
      totalParams: r0.totalParams,
      final: Array.from({ length: T }, (_, j) => mean(rs.map((r) => r.results.final[j]!))),
      matrix: matrices.length > 0 ? matrices[0]!.map((row, p) => row.map((_, j) => mean(matrices.map((m) => m[p]![j]!)))) : null,
      curves: meanCurves(rs),
    };
  });
}

const f3 = formatScore;
const fmtStat = (s: Stat | null): string => (s === null || !Number.isFinite(s.mean) ? '-' : s.ci ? `${f3(s.mean)} [${f3(s.ci[0])}, ${f3(s.ci[1])}]` : f3(s.mean));
const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** A run folder as the report shows it: relative to the working directory when inside it (reports get committed and moved). */
function shownPath(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
}

/** Per task, how much of its evaluation windows fall on the entries it trained (mean over seeds). */
function agreementTable(logs: readonly SelectionLog[]): string[] {
  const per = logs.map(trainEvalAgreement);
  const tasks = logs[0]!.tasks;
  const mean = (xs: Array<number | null>): number | null => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const cell = (x: number | null): string => (x === null ? '-' : f3(x));
  const rows = tasks.map((t, i) => {
    const of = (k: 'endOfPhase' | 'final'): number | null => mean(per.map((p) => p.find((a) => a.task === i)?.[k] ?? null));
    return { t, end: of('endOfPhase'), final: of('final') };
  });
  return [
    'A task can be evaluated on entries other than those it trained: the count penalty (when on) steers training\'s selection and never evaluation\'s, and later phases move the keys. Agreement: the sum over entries of min(training share, evaluation share) of the task\'s windows (1: evaluated on exactly the entries it trained; 0: never on them).',
    '',
    '| # | task | agreement at the end of its phase | after the last phase |',
    '|---|---|---|---|',
    ...rows.map((r, i) => `| ${i} | ${r.t} | ${cell(r.end)} | ${cell(r.final)} |`),
    `| | mean | ${cell(mean(rows.map((r) => r.end)))} | ${cell(mean(rows.map((r) => r.final)))} |`,
  ];
}

export function reportMarkdown(groups: readonly GroupSummary[], images: { methods?: string; average?: string; perGroup: Record<string, { curves: string; matrix?: string; selection?: string }> }, notes: readonly string[] = []): string {
  const lines = ['# Continual learning report', ''];
  const seqs = [...new Set(groups.map((g) => g.tasks.join(',')))];
  if (seqs.length === 1) lines.push(`Sequence: ${groups[0]!.tasks.join(', ')} (${groups[0]!.tasks.length} tasks).`, '');
  lines.push(
    'Performance: mean final score over tasks; forgetting: score at the end of a task\'s own phase minus its final score; learned: score at the end of a task\'s own phase; forward transfer: ' +
      'normalised AUC gain over single-task reference runs (Continual World), its mean over tasks and its median (a task whose reference AUC is near 1 can dominate the mean). With several seeds: mean [90% bootstrap interval, 4000 resamples].',
    '',
    '| method | runs (seeds) | updates per task | performance | forgetting | learned | forward transfer | forward transfer (median) | retention | retention (base) | trainable params | ms per update |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const g of groups) {
    lines.push(
      `| ${g.label} | ${g.runs.length} (${g.seeds.join(', ')}) | ${g.stepsPerTask.toLocaleString('en-US')} | ${fmtStat(g.performance)} | ${fmtStat(g.forgetting)} | ${fmtStat(g.learned)} | ${fmtStat(g.forwardTransfer)} | ${f3(g.forwardTransferMedian)} | ${fmtStat(g.retention)} | ${f3(g.retentionBase)} | ${g.trainableParams.toLocaleString('en-US')} of ${g.totalParams.toLocaleString('en-US')} | ${Number.isFinite(g.secondsPerUpdate) ? (1000 * g.secondsPerUpdate).toFixed(1) : '-'} |`,
    );
  }
  if (images.methods) lines.push('', `![methods](${images.methods})`);
  if (images.average) lines.push('', `![average score over updates](${images.average})`);
  if (seqs.length === 1) {
    const tasks = groups[0]!.tasks;
    lines.push('', '## Final score per task', '', `| method | ${tasks.map((t) => t.replace(/-v2$/, '')).join(' | ')} |`, `|---|${tasks.map(() => '---').join('|')}|`);
    for (const g of groups) lines.push(`| ${g.label} | ${g.final.map(f3).join(' | ')} |`);
  }
  for (const g of groups) {
    const im = images.perGroup[g.label];
    lines.push('', `## ${g.label}`, '', `Runs: ${g.runs.map((r) => `\`${shownPath(r.dir)}\``).join(', ')}`);
    if (g.retentionWithoutKeys) lines.push('', `Retention with the pre-training keys ${fmtStat(g.retention)}, without them ${fmtStat(g.retentionWithoutKeys)} (base ${f3(g.retentionBase)}).`);
    if (im) {
      lines.push('', `![${g.label}: every task over updates](${im.curves})`);
      if (im.matrix) lines.push('', `![${g.label}: matrix](${im.matrix})`);
    }
    const logs = g.runs.map((r) => r.selection).filter((l): l is SelectionLog => l !== undefined);
    if (logs.length > 0) {
      const seeds = logs.length > 1 ? ` (${logs.length} seeds summed)` : '';
      lines.push('', `### Pool selection${seeds}`, '', 'Which pool entry the windows of each task selected (each row: the shares of that task\'s selections; columns p0, p1, ...: pre-training keys). A column lit for every task is an entry every task picks.', '');
      for (const panel of selectionPanels(logs)) lines.push(`- ${panel.panel}: ${summaryLine(panel.matrix, logs[0]!.pool)}.`);
      if (im?.selection) lines.push('', `![${g.label}: pool selection](${im.selection})`);
      lines.push('', ...agreementTable(logs));
    }
  }
  const runNotes = [...new Set(groups.flatMap((g) => g.runs.flatMap((r) => r.results.notes ?? [])))];
  if (notes.length + runNotes.length > 0) lines.push('', '## Notes', '', ...[...notes, ...runNotes].map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}

/** Writes report.md and its SVG files into `outDir`; returns the files written. */
export async function writeReport(dirs: readonly string[], outDir: string): Promise<{ files: string[]; groups: GroupSummary[]; markdown: string }> {
  const { runs, notes } = readRuns(dirs);
  const groups = summarize(runs);
  fs.mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string): string => {
    writeFileAtomic(path.join(outDir, name), text);
    files.push(path.join(outDir, name));
    return name;
  };
  const bars: MethodBar[] = [];
  for (const g of groups) {
    const add = (metric: string, s: Stat | null): void => {
      if (s && Number.isFinite(s.mean)) bars.push({ method: g.label, metric, value: s.mean, ...(s.ci ? { lo: s.ci[0], hi: s.ci[1] } : {}) });
    };
    add('performance', g.performance);
    add('forgetting', g.forgetting);
    add('forward transfer', g.forwardTransfer);
    add('retention', g.retention);
  }
  const images: Parameters<typeof reportMarkdown>[1] = { perGroup: {} };
  images.methods = write('methods.svg', await methodBarsSvg(bars, 'methods (90% bootstrap intervals over seeds)'));
  const seqs = [...new Set(groups.map((g) => g.tasks.join(',')))];
  if (seqs.length === 1) {
    const avg = groups.flatMap((g) => {
      const byUpdate = new Map<number, number[]>();
      for (const p of g.curves) byUpdate.set(p.update, [...(byUpdate.get(p.update) ?? []), p.score]);
      return [...byUpdate].map(([update, s]) => ({ method: g.label, update, score: mean(s) }));
    });
    const g0 = groups.find((g) => g.mode === 'sequential') ?? groups[0]!;
    const boundaries = g0.mode === 'sequential' ? g0.tasks.slice(1).map((_, j) => (j + 1) * g0.stepsPerTask) : [];
    images.average = write('average.svg', await averageCurvesSvg(avg, boundaries));
  }
  for (const g of groups) {
    const s = slug(g.label);
    const seeds = g.runs.length > 1 ? ` (mean of ${g.runs.length} seeds)` : '';
    const curves = write(`curves-${s}.svg`, await taskCurvesSvg(g.curves, g.tasks, g.mode === 'sequential' ? g.stepsPerTask : null, `${g.label}: every task's score over updates${seeds}`));
    const matrix = g.matrix ? write(`matrix-${s}.svg`, await matrixHeatmapSvg(g.matrix, g.tasks, `${g.label}: score after each phase${seeds}`)) : undefined;
    const logs = g.runs.map((r) => r.selection).filter((l): l is SelectionLog => l !== undefined);
    const selection = logs.length > 0 && selectionPanels(logs).length > 0 ? write(`selection-${s}.svg`, await runSelectionSvg(logs, `${g.label}: pool entry selected per task${seeds}`)) : undefined;
    images.perGroup[g.label] = { curves, ...(matrix ? { matrix } : {}), ...(selection ? { selection } : {}) };
  }
  const markdown = reportMarkdown(groups, images, notes);
  write('report.md', markdown);
  return { files, groups, markdown };
}
