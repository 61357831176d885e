/**
 * SAC run metrics: `metrics.jsonl` (one JSON object per line, kind 'train' per finished episode or
 * 'eval'), `train.csv` and the learning curve `eval.csv` (env step, mean evaluation return, score).
 * On resume, records past the checkpoint's step are dropped so the files read as one clean run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PolicyEval } from './evaluate.ts';

export interface EpisodeRecord {
  step: number;
  episode: number;
  return: number;
  length: number;
  /** Means over the episode's updates (absent before learning starts). */
  criticLoss?: number;
  actorLoss?: number;
  alpha?: number;
  entropy?: number;
  q?: number;
  /** Environment steps per second over the episode (updates included). */
  stepsPerSecond: number;
}

const TRAIN_HEADER = 'step,episode,return,length,critic_loss,actor_loss,alpha,entropy,q,steps_per_second';
const EVAL_HEADER = 'step,mean_return,std_return,normalized_score,min_return,max_return';

export class SacMetrics {
  readonly jsonl: string;
  readonly trainCsv: string;
  readonly evalCsv: string;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.jsonl = path.join(dir, 'metrics.jsonl');
    this.trainCsv = path.join(dir, 'train.csv');
    this.evalCsv = path.join(dir, 'eval.csv');
  }

  /** Keeps only records with step <= `step` (0: start afresh). */
  truncateAfter(step: number): void {
    const keep = (file: string, header: string, stepOf: (line: string) => number): void => {
      const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
      const body = lines.filter((l) => l !== header).filter((l) => stepOf(l) <= step);
      fs.writeFileSync(file, [header, ...body].filter(Boolean).map((l) => l + '\n').join(''));
    };
    keep(this.jsonl, '', (l) => (JSON.parse(l) as { step: number }).step);
    keep(this.trainCsv, TRAIN_HEADER, (l) => Number(l.split(',')[0]));
    keep(this.evalCsv, EVAL_HEADER, (l) => Number(l.split(',')[0]));
  }

  episode(r: EpisodeRecord): void {
    fs.appendFileSync(this.jsonl, JSON.stringify({ kind: 'train', ...r }) + '\n');
    const f = (x: number | undefined): string => (x === undefined ? '' : String(x));
    fs.appendFileSync(this.trainCsv, [r.step, r.episode, r.return, r.length, f(r.criticLoss), f(r.actorLoss), f(r.alpha), f(r.entropy), f(r.q), r.stepsPerSecond].join(',') + '\n');
  }

  eval(step: number, e: PolicyEval): void {
    fs.appendFileSync(this.jsonl, JSON.stringify({ kind: 'eval', step, ...e }) + '\n');
    const row = [step, e.meanReturn, e.stdReturn, e.normalizedScore ?? '', Math.min(...e.returns), Math.max(...e.returns)];
    fs.appendFileSync(this.evalCsv, row.join(',') + '\n');
  }

  /** The learning curve read back from eval.csv. */
  curve(): { step: number; meanReturn: number; normalizedScore: number | null }[] {
    if (!fs.existsSync(this.evalCsv)) return [];
    return fs
      .readFileSync(this.evalCsv, 'utf8')
      .split('\n')
      .filter((l) => l && l !== EVAL_HEADER)
      .map((l) => {
        const c = l.split(',');
        return { step: Number(c[0]), meanReturn: Number(c[1]), normalizedScore: c[3] === '' ? null : Number(c[3]) };
      });
  }
}
