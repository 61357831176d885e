/**
 * The base model's own scores on a set of tasks, cached beside the runs: one JSON file per (base
 * identity, episodes, seed[, episode length]) holding a result per task, so fine-tuning and continual
 * runs of the same base evaluate the base once per episode set. Used for retention tables ("adapted"
 * beside "base" on the same episodes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../torch/atomic-write.ts';
import { loadDecisionTransformer } from '../model/load.ts';
import { evaluate, type EvalReport } from '../eval/evaluate.ts';
import { mean } from '../eval/metrics.ts';

export interface BaseScoreOptions {
  /** The pre-trained model (run or checkpoint folder). */
  base: string;
  /** Its identity (`baseIdentity`), the cache key. */
  identity: string;
  /** Folder of the cache files. */
  cacheDir: string;
  episodes: number;
  /** Environment seed of episode 0 (episode j: seed + j). */
  seed: number;
  workers?: number;
  concurrentEnvs?: number;
  /** An episode length other than the domain's (tests); part of the cache key when set. */
  maxEpisodeSteps?: number;
}

/** The base's scores on `tasks` (evaluating only the tasks not cached yet). */
export async function baseScores(opts: BaseScoreOptions, tasks: string[]): Promise<EvalReport> {
  const key = `${opts.identity.slice(0, 16)}-${opts.episodes}-${opts.seed}${opts.maxEpisodeSteps === undefined ? '' : `-steps${opts.maxEpisodeSteps}`}`;
  const cacheDir = path.resolve(opts.cacheDir);
  const file = path.join(cacheDir, `${key}.json`);
  const cached: Record<string, EvalReport['tasks'][number]> = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, EvalReport['tasks'][number]>) : {};
  const todo = tasks.filter((t) => !(t in cached));
  if (todo.length > 0) {
    const { model, stateNorm } = loadDecisionTransformer(opts.base);
    try {
      const r = await evaluate(model, { tasks: todo, episodes: opts.episodes, seed: opts.seed, workers: opts.workers, concurrentEnvs: opts.concurrentEnvs, maxEpisodeSteps: opts.maxEpisodeSteps, stateNorm });
      for (const t of r.tasks) cached[t.task] = t;
    } finally {
      model.dispose();
    }
    fs.mkdirSync(cacheDir, { recursive: true });
    writeFileAtomic(file, JSON.stringify(cached) + '\n');
  }
  const results = tasks.map((t) => cached[t]!);
  return { tasks: results, meanScore: mean(results.map((r) => r.score)), iqmScore: Number.NaN, byDomain: {}, envSteps: 0, seconds: 0 };
}
