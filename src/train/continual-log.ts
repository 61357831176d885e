/**
 * Metrics of a continual run: `metrics.jsonl` (kind 'keys' | 'train' | 'retrain' | 'eval' | 'phase'), `train.csv` (the same
 * columns as the other runs) and the continual `eval.csv` (one row per update, phase and task; see
 * `src/eval/continual-metrics.ts`). An evaluation event is appended only once every task is evaluated,
 * so each event is exactly one row per task. On resume the files are cut back to the checkpoint: train
 * records up to its update, the first `events` evaluation events.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EVAL_CSV_HEADER, evalCsvLine, type ContinualEvalRow } from '../eval/continual-metrics.ts';

const TRAIN_HEADER = 'update,loss,lr,grad_norm';

export class ContinualLog {
  readonly jsonl: string;
  readonly trainCsv: string;
  readonly evalCsv: string;

  constructor(
    dir: string,
    private readonly tasksPerEvent: number,
  ) {
    this.jsonl = path.join(dir, 'metrics.jsonl');
    this.trainCsv = path.join(dir, 'train.csv');
    this.evalCsv = path.join(dir, 'eval.csv');
  }

  /**
   * Keeps train records with update <= `update`, the first `events` evaluation events, the first
   * `retrains` retraining records, the first `keys` records of the pre-training keys' phase, and the
   * phase-end records of phases before `phasesEnded` (all 0: start afresh).
   */
  truncate(at: { update: number; events: number; retrains: number; keys: number; phasesEnded: number }): void {
    const { update, events, retrains } = at;
    const read = (file: string): string[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
    const write = (file: string, lines: string[]): void => fs.writeFileSync(file, lines.map((l) => l + '\n').join(''));
    write(this.trainCsv, [TRAIN_HEADER, ...read(this.trainCsv).filter((l) => l !== TRAIN_HEADER && Number(l.split(',')[0]) <= update)]);
    const rows = read(this.evalCsv).filter((l) => l !== EVAL_CSV_HEADER);
    write(this.evalCsv, [EVAL_CSV_HEADER, ...rows.slice(0, events * this.tasksPerEvent)]);
    let retrained = 0;
    let keyed = 0;
    const keep = read(this.jsonl).filter((l) => {
      const r = JSON.parse(l) as { kind: string; update: number; event?: number };
      if (r.kind === 'train') return r.update <= update;
      if (r.kind === 'retrain') return retrained++ < retrains;
      if (r.kind === 'keys') return keyed++ < at.keys;
      if (r.kind === 'eval') return (r.event ?? Infinity) < events;
      return r.kind === 'phase' && (r.event ?? Infinity) < events && ((r as { phase?: number }).phase ?? Infinity) < at.phasesEnded;
    });
    write(this.jsonl, keep);
  }

  train(update: number, m: { loss: number; lr: number; gradNorm: number; phase: number }): void {
    fs.appendFileSync(this.jsonl, JSON.stringify({ kind: 'train', update, ...m }) + '\n');
    fs.appendFileSync(this.trainCsv, `${update},${m.loss},${m.lr},${m.gradNorm}\n`);
  }

  /** A retraining line (PackNet's extra updates after endTask; they are not protocol updates, so not in train.csv). */
  retrain(update: number, m: { phase: number; step: number; steps: number; loss: number; gradNorm: number }): void {
    fs.appendFileSync(this.jsonl, JSON.stringify({ kind: 'retrain', update, ...m }) + '\n');
  }

  /** A line of the pre-training keys' phase (before the first task; not protocol updates, so not in train.csv). */
  keys(m: { step: number; steps: number; loss: number; gradNorm: number }): void {
    fs.appendFileSync(this.jsonl, JSON.stringify({ kind: 'keys', update: 0, ...m }) + '\n');
  }

  /** One evaluation event (`event`: its index in the run, 0-based). */
  eval(event: number, rows: ContinualEvalRow[], extra: { seconds: number }): void {
    if (rows.length !== this.tasksPerEvent) throw new Error(`ContinualLog.eval: ${rows.length} rows, expected one per task (${this.tasksPerEvent})`);
    const r0 = rows[0]!;
    fs.appendFileSync(this.jsonl, JSON.stringify({ kind: 'eval', event, update: r0.update, phase: r0.phase, seconds: extra.seconds, tasks: rows.map((r) => ({ task: r.task, score: r.score, success: r.success, return: r.return, normalizedScore: r.normalizedScore, episodes: r.episodes })) }) + '\n');
    fs.appendFileSync(this.evalCsv, rows.map((r) => evalCsvLine(r) + '\n').join(''));
  }

  /** A task switch (after `events` evaluation events), for readers of metrics.jsonl. */
  phase(event: number, update: number, phase: number, task: string, what: 'end'): void {
    fs.appendFileSync(this.jsonl, JSON.stringify({ kind: 'phase', event, update, phase, task, what }) + '\n');
  }
}
