/** SVG plots of a run (Vega-Lite specs rendered headless by Vega): the loss curve and per-task scores. */
import type { TopLevelSpec } from 'vega-lite';
import type { EvalReport } from './evaluate.ts';

/** Renders a Vega-Lite spec to SVG, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Vega and Vega-Lite load on the first plot: imported with the module, they added about 30 MB to
  // every l2m command that imports this one (eval included) and never plots.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Training loss (and learning rate on a second axis) against optimiser updates. */
export function lossCurveSvg(points: { update: number; loss: number; lr: number }[], title = 'pre-training loss'): Promise<string> {
  return renderSvg({
    title,
    width: 480,
    height: 260,
    data: { values: points },
    layer: [
      { mark: { type: 'line', color: '#1f77b4' }, encoding: { x: { field: 'update', type: 'quantitative', title: 'update' }, y: { field: 'loss', type: 'quantitative', title: 'cross-entropy', scale: { zero: false } } } },
      { mark: { type: 'line', color: '#ff7f0e', strokeDash: [4, 3] }, encoding: { x: { field: 'update', type: 'quantitative' }, y: { field: 'lr', type: 'quantitative', title: 'learning rate', axis: { orient: 'right' } } } },
    ],
    resolve: { scale: { y: 'independent' } },
  });
}

/** Per-task score bars: success rate (Meta-World) or normalised score (DMControl). */
export function taskScoresSvg(report: EvalReport, title = 'evaluation'): Promise<string> {
  return renderSvg({
    title,
    width: 480,
    height: { step: 22 },
    data: { values: report.tasks.map((t) => ({ task: t.task, domain: t.domain, score: t.score })) },
    mark: 'bar',
    encoding: {
      y: { field: 'task', type: 'nominal', sort: null, title: null, axis: { labelLimit: 300 } },
      x: { field: 'score', type: 'quantitative', title: 'success rate (final step) / normalised score', scale: { domain: [0, 1] } },
      color: { field: 'domain', type: 'nominal' },
    },
  });
}
