/** Results tables: a fixed-width text table for terminals and a Markdown one for files. */
import type { EvalReport } from './evaluate.ts';

const fmt = (x: number | undefined, digits = 3): string => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));

function rows(r: EvalReport): string[][] {
  const header = ['task', 'domain', 'episodes', 'success(final)', 'success(any)', 'return', 'norm. score'];
  const body = r.tasks.map((t) => [t.task, t.domain, String(t.episodes), fmt(t.successRate, 2), fmt(t.anySuccessRate, 2), `${fmt(t.meanReturn, 1)} ± ${fmt(t.stdReturn, 1)}`, fmt(t.normalizedScore, 3)]);
  const agg: string[][] = [];
  for (const [domain, d] of Object.entries(r.byDomain)) agg.push([`${domain} (${d!.tasks} tasks)`, '', '', '', '', '', `mean ${fmt(d!.meanScore)} / IQM ${fmt(d!.iqmScore)}`]);
  return [header, ...body, ...agg];
}

export function textTable(r: EvalReport): string {
  const all = rows(r);
  const widths = all[0]!.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  return all.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

export function markdownTable(r: EvalReport): string {
  const [header, ...body] = rows(r);
  return [`| ${header!.join(' | ')} |`, `|${header!.map(() => '---').join('|')}|`, ...body.map((row) => `| ${row.join(' | ')} |`)].join('\n') + '\n';
}
