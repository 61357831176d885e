/**
 * SVG charts of continual runs (Vega-Lite specs rendered headless by Vega, as `plots.ts`):
 * - the success of every task over updates, one panel per task, the task's own phase shaded and the
 *   task boundaries marked (Continual World's figure);
 * - the average score over the sequence's tasks against updates, one line per method;
 * - the matrix (task j's score at the end of phase p) as a heatmap;
 * - the method table as bars with their bootstrap intervals.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from './plots.ts';

export interface CurvePoint {
  update: number;
  task: string;
  score: number;
}

/**
 * One panel per task: its score against updates (the mean over seeds), its own phase shaded, a rule at
 * every task boundary. `stepsPerTask` null: a multi-task run (no phases).
 */
export function taskCurvesSvg(points: readonly CurvePoint[], tasks: readonly string[], stepsPerTask: number | null, title: string): Promise<string> {
  const last = Math.max(0, ...points.map((p) => p.update));
  const values: Record<string, unknown>[] = points.map((p) => ({ kind: 'score', ...p }));
  if (stepsPerTask !== null) {
    tasks.forEach((task, j) => {
      values.push({ kind: 'own', task, start: j * stepsPerTask, end: (j + 1) * stepsPerTask });
      for (let b = 1; b < tasks.length; b++) values.push({ kind: 'boundary', task, update: b * stepsPerTask });
    });
  }
  const x = { field: 'update', type: 'quantitative' as const, title: 'update', scale: { domain: [0, last] } };
  return renderSvg({
    title,
    data: { values },
    facet: { row: { field: 'task', type: 'nominal', sort: [...tasks], title: null, header: { labelAngle: 0, labelAlign: 'left', labelLimit: 200 } } },
    spec: {
      width: 520,
      height: 56,
      layer: [
        { transform: [{ filter: "datum.kind === 'own'" }], mark: { type: 'rect', color: '#1f77b4', opacity: 0.12 }, encoding: { x: { field: 'start', type: 'quantitative', scale: { domain: [0, last] } }, x2: { field: 'end' } } },
        { transform: [{ filter: "datum.kind === 'boundary'" }], mark: { type: 'rule', color: '#999', strokeDash: [3, 3] }, encoding: { x } },
        {
          transform: [{ filter: "datum.kind === 'score'" }],
          mark: { type: 'line', point: { size: 12 }, color: '#1f77b4' },
          encoding: { x, y: { field: 'score', type: 'quantitative', title: 'score', scale: { domain: [0, 1] }, axis: { tickCount: 2 } } },
        },
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  } as TopLevelSpec);
}

export interface AverageCurve {
  method: string;
  update: number;
  score: number;
}

/** The mean score over the sequence's tasks against updates, one line per method, task boundaries marked. */
export function averageCurvesSvg(points: readonly AverageCurve[], boundaries: readonly number[], title = 'average score over the sequence'): Promise<string> {
  return renderSvg({
    title,
    width: 560,
    height: 260,
    layer: [
      { data: { values: boundaries.map((update) => ({ update })) }, mark: { type: 'rule', color: '#bbb', strokeDash: [3, 3] }, encoding: { x: { field: 'update', type: 'quantitative' } } },
      {
        data: { values: [...points] },
        mark: { type: 'line', point: { size: 14 } },
        encoding: {
          x: { field: 'update', type: 'quantitative', title: 'update' },
          y: { field: 'score', type: 'quantitative', title: 'mean score over tasks', scale: { domain: [0, 1] } },
          color: { field: 'method', type: 'nominal', title: 'method' },
        },
      },
    ],
  } as TopLevelSpec);
}

/** matrix[p][j] as a heatmap: rows = after phase p, columns = evaluated task j, value in each cell. */
export function matrixHeatmapSvg(matrix: readonly (readonly number[])[], tasks: readonly string[], title: string): Promise<string> {
  const short = (t: string): string => t.replace(/-v2$/, '');
  const values = matrix.flatMap((row, p) => row.map((score, j) => ({ after: `${p} ${short(tasks[p]!)}`, task: `${j} ${short(tasks[j]!)}`, score: Number.isFinite(score) ? score : null, label: Number.isFinite(score) ? score.toFixed(2) : '-' })));
  const order = tasks.map((t, j) => `${j} ${short(t)}`);
  return renderSvg({
    title,
    data: { values },
    width: { step: 44 },
    height: { step: 26 },
    encoding: {
      x: { field: 'task', type: 'ordinal', sort: order, title: 'evaluated task', axis: { labelAngle: -40, labelLimit: 160 } },
      y: { field: 'after', type: 'ordinal', sort: order, title: 'after training phase' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'score', type: 'quantitative', scale: { domain: [0, 1], scheme: 'blues' }, title: 'score' } } },
      { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'label' }, color: { condition: { test: 'datum.score > 0.6', value: 'white' }, value: 'black' } } },
    ],
  } as TopLevelSpec);
}

export interface MethodBar {
  method: string;
  metric: string;
  value: number;
  lo?: number;
  hi?: number;
}

/** Performance, forgetting, forward transfer and retention per method, with their 90% intervals when there are several seeds. */
export function methodBarsSvg(bars: readonly MethodBar[], title = 'methods'): Promise<string> {
  const values = bars.filter((b) => Number.isFinite(b.value)).map((b) => ({ ...b, lo: b.lo ?? b.value, hi: b.hi ?? b.value }));
  return renderSvg({
    title,
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['performance', 'forgetting', 'forward transfer', 'retention'] } },
    spec: {
      width: 150,
      height: { step: 20 },
      layer: [
        { mark: 'bar', encoding: { y: { field: 'method', type: 'nominal', title: null }, x: { field: 'value', type: 'quantitative', title: null }, color: { field: 'method', type: 'nominal', legend: null } } },
        { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'method', type: 'nominal' }, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } },
      ],
    },
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec);
}

/** One panel of a selection heatmap: a task x entry count matrix (rows: task ids). */
export interface SelectionPanel {
  panel: string;
  matrix: { entries: number; tasks: number[]; counts: number[][] };
}

/**
 * Which pool entry each task's windows selected (L2P / L2M), one panel per matrix (training, evaluation,
 * retention, ...): rows = tasks (task ids named by `names`), columns = pool entries then pre-training
 * keys (p0, p1, ...; from column `pool` on), colour = the share of the task's selections that went to
 * the entry (each row sums to 1), so a column lit for every task is an entry every task picks.
 */
export function selectionHeatmapSvg(panels: readonly SelectionPanel[], o: { pool: number; names: Readonly<Record<string, string>>; title: string }): Promise<string> {
  const short = (t: string): string => t.replace(/-v2$/, '');
  const label = (id: number): string => (id < 0 ? 'no task id' : `${id} ${short(o.names[String(id)] ?? `task ${id}`)}`);
  const entryLabel = (j: number): string => (j < o.pool ? String(j) : `p${j - o.pool}`);
  const entries = Math.max(0, ...panels.map((p) => p.matrix.entries));
  const values: Record<string, unknown>[] = [];
  const taskOrder: string[] = [];
  for (const { panel, matrix } of panels) {
    matrix.tasks.forEach((id, i) => {
      const row = matrix.counts[i]!;
      const sum = row.reduce((a, b) => a + b, 0);
      const task = label(id);
      if (!taskOrder.includes(task)) taskOrder.push(task);
      for (let j = 0; j < entries; j++) {
        const count = row[j] ?? 0;
        values.push({ panel, task, entry: entryLabel(j), count, share: sum > 0 ? count / sum : 0 });
      }
    });
  }
  const ids = (t: string): number => (t === 'no task id' ? Number.MAX_SAFE_INTEGER : Number(t.split(' ')[0]));
  taskOrder.sort((a, b) => ids(a) - ids(b));
  const step = entries > 60 ? 7 : entries > 30 ? 10 : 14;
  const order = (panel: string): string[] => taskOrder.filter((t) => values.some((v) => v.panel === panel && v.task === t));
  return renderSvg({
    title: o.title,
    vconcat: panels.map(({ panel }) => ({
      title: { text: panel, anchor: 'start', fontSize: 11 },
      data: { values: values.filter((v) => v.panel === panel) },
      width: { step },
      height: { step: 16 },
      mark: { type: 'rect', stroke: '#eeeeee', strokeWidth: 0.5 },
      encoding: {
        x: { field: 'entry', type: 'ordinal', sort: Array.from({ length: entries }, (_, j) => entryLabel(j)), title: `pool entry${entries > o.pool ? ' (p: pre-training keys)' : ''}`, axis: { labelAngle: 0, labelFontSize: 8, labelOverlap: true } },
        y: { field: 'task', type: 'ordinal', sort: order(panel), title: 'task', axis: { labelLimit: 200 } },
        color: { field: 'share', type: 'quantitative', scale: { domain: [0, 1], range: ['#ffffff', '#08306b'], interpolate: 'rgb' }, title: 'share of selections', legend: { titleLimit: 200 } },
        tooltip: [{ field: 'task' }, { field: 'entry' }, { field: 'count', type: 'quantitative' }, { field: 'share', type: 'quantitative', format: '.2f' }],
      },
    })),
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec);
}
