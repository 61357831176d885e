/**
 * Run metrics: `metrics.jsonl` (one JSON object per line: kind 'train' or 'eval') and a
 * plot-friendly `train.csv` (update,loss,lr,grad_norm) and `eval.csv` (update,task,score,...).
 * On resume, lines past the checkpoint's update are dropped so the files read as one clean run: the loops
 * evaluate before they checkpoint, so an evaluation past the checkpoint is redone, and a run resumed at
 * its last update redoes its final evaluation (its rows at that update are dropped too).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EvalReport } from '../eval/evaluate.ts';

export class MetricsLog {
  readonly jsonl: string;
  readonly trainCsv: string;
  readonly evalCsv: string;

  constructor(dir: string) {
    this.jsonl = path.join(dir, 'metrics.jsonl');
    this.trainCsv = path.join(dir, 'train.csv');
    this.evalCsv = path.join(dir, 'eval.csv');
  }

  /**
   * Keeps only records with update <= `update` (0: start afresh); with `redoEvalAt`, the evaluation
   * records at `update` are dropped as well (the final evaluation of a run resumed at its last update).
   */
  truncateAfter(update: number, opts: { redoEvalAt?: boolean } = {}): void {
    const evalUpTo = opts.redoEvalAt ? update - 1 : update;
    const keep = (file: string, header: string, keepLine: (line: string) => boolean): void => {
      const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
      const body = lines.filter((l) => l !== header).filter(keepLine);
      fs.writeFileSync(file, [header, ...body].filter(Boolean).map((l) => l + '\n').join(''));
    };
    const firstField = (l: string): number => Number(l.split(',')[0]);
    keep(this.jsonl, '', (l) => {
      const r = JSON.parse(l) as { kind: string; update: number };
      return r.update <= (r.kind === 'eval' ? evalUpTo : update);
    });
    keep(this.trainCsv, 'update,loss,lr,grad_norm', (l) => firstField(l) <= update);
    keep(this.evalCsv, 'update,task,domain,score,mean_return,success_rate,normalized_score', (l) => firstField(l) <= evalUpTo);
  }

  train(update: number, m: { loss: number; lr: number; gradNorm: number }): void {
    fs.appendFileSync(this.jsonl, JSON.stringify({ kind: 'train', update, ...m }) + '\n');
    fs.appendFileSync(this.trainCsv, `${update},${m.loss},${m.lr},${m.gradNorm}\n`);
  }

  eval(update: number, r: EvalReport): void {
    fs.appendFileSync(
      this.jsonl,
      JSON.stringify({ kind: 'eval', update, meanScore: r.meanScore, iqmScore: r.iqmScore, tasks: r.tasks.map(({ returns: _r, ...t }) => t) }) + '\n',
    );
    const rows = r.tasks.map((t) => [update, t.task, t.domain, t.score, t.meanReturn, t.successRate ?? '', t.normalizedScore ?? ''].join(','));
    fs.appendFileSync(this.evalCsv, rows.map((x) => x + '\n').join(''));
  }
}
