/**
 * Per-dataset summaries: episodes, transitions, the return distribution, Meta-World success, and for
 * DMControl the returns set against the original's data mean and against the dataset's own mean.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DMC_SCORE_REFERENCES, dataNormalizedScore } from '../envs/dmc/scores.ts';
import { episodeCount, loadDataset, transitionCount, type Dataset } from './dataset.ts';
import { readPartial } from './episode-writer.ts';

export interface ReturnQuantiles {
  min: number;
  q10: number;
  q25: number;
  median: number;
  q75: number;
  q90: number;
  max: number;
  mean: number;
  std: number;
}

export interface DatasetStats {
  task: string;
  domain: string;
  path: string;
  /** True for an unfinished collection (`<task>.partial`). */
  partial: boolean;
  collector: string;
  episodes: number;
  transitions: number;
  meanLength: number;
  returns: ReturnQuantiles;
  /** Meta-World: fraction of episodes whose last step succeeded (the evaluation's success). */
  successRate?: number;
  /** Meta-World: fraction of episodes that succeeded at any step. */
  anySuccessRate?: number;
  /** DMControl tasks of the original's score table: the returns against its data mean and our own. */
  dmcReference?: DmcDataReference;
}

/**
 * A DMControl dataset's returns against the two definitions of the data-normalised score,
 * (R - R_random) / (R_data - R_random): R_data the original's data mean, or this dataset's mean return.
 */
export interface DmcDataReference {
  /** R_random, the original's (the mean return of 10 uniformly random episodes). */
  random: number;
  /** R_data of the original: the mean return of its 1M-transition dataset of the task. */
  originalDataMean: number;
  /** This dataset's mean episode return (the other R_data). */
  ownDataMean: number;
  /** ownDataMean / originalDataMean. */
  meanRatio: number;
  /** The distribution of this dataset's episode scores with R_data = originalDataMean. */
  scoreByOriginal: ReturnQuantiles;
  /** ... with R_data = ownDataMean (its mean is 1 by definition). */
  scoreByOwn: ReturnQuantiles;
}

/** The q-quantile of sorted values with linear interpolation (numpy's default method). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

export function returnQuantiles(returns: ArrayLike<number>): ReturnQuantiles {
  const sorted = Float64Array.from(returns).sort();
  const n = sorted.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += sorted[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (sorted[i] - mean) ** 2;
  return {
    min: sorted[0],
    q10: quantile(sorted, 0.1),
    q25: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    q75: quantile(sorted, 0.75),
    q90: quantile(sorted, 0.9),
    max: sorted[n - 1],
    mean,
    std: Math.sqrt(v / n),
  };
}

/** Undiscounted return of each episode (summed in float64). */
export function episodeReturns(ds: Dataset): Float64Array {
  const E = episodeCount(ds);
  const out = new Float64Array(E);
  for (let e = 0; e < E; e++) {
    let s = 0;
    for (let i = ds.episodeOffsets[e]; i < ds.episodeOffsets[e + 1]; i++) s += ds.rewards[i];
    out[e] = s;
  }
  return out;
}

/** The returns of a DMControl task against both R_data; undefined for a task the original's table lacks. */
export function dmcDataReference(task: string, returns: ArrayLike<number>): DmcDataReference | undefined {
  const original = DMC_SCORE_REFERENCES[task];
  if (original === undefined || returns.length === 0) return undefined;
  const ownDataMean = returnQuantiles(returns).mean;
  const own = { random: original.random, data: ownDataMean };
  const scores = (ref: typeof own): ReturnQuantiles => returnQuantiles(Array.from(returns, (r) => dataNormalizedScore(r, ref)));
  return {
    random: original.random,
    originalDataMean: original.data,
    ownDataMean,
    meanRatio: ownDataMean / original.data,
    scoreByOriginal: scores(original),
    scoreByOwn: scores(own),
  };
}

export function datasetStats(ds: Dataset, file: string, partial = false): DatasetStats {
  const E = episodeCount(ds);
  const N = transitionCount(ds);
  const returns = episodeReturns(ds);
  const stats: DatasetStats = {
    task: ds.meta.task,
    domain: ds.meta.domain,
    path: file,
    partial,
    collector: ds.meta.collector.kind,
    episodes: E,
    transitions: N,
    meanLength: E ? N / E : 0,
    returns: returnQuantiles(returns),
  };
  if (ds.meta.domain === 'dmc') {
    const ref = dmcDataReference(ds.meta.task, returns);
    if (ref) stats.dmcReference = ref;
  }
  if (ds.successes && E > 0) {
    let last = 0;
    let any = 0;
    for (let e = 0; e < E; e++) {
      const a = ds.episodeOffsets[e];
      const b = ds.episodeOffsets[e + 1];
      if (ds.successes[b - 1]) last++;
      for (let i = a; i < b; i++) {
        if (ds.successes[i]) {
          any++;
          break;
        }
      }
    }
    stats.successRate = last / E;
    stats.anySuccessRate = any / E;
  }
  return stats;
}

/** Dataset files under `p`: the file itself, or a directory's `*.npz` files and `*.partial` collections. */
export function findDatasets(p: string): { path: string; partial: boolean }[] {
  if (!fs.existsSync(p)) throw new Error(`${p}: no such file or directory`);
  if (!fs.statSync(p).isDirectory()) return [{ path: p, partial: false }];
  if (p.endsWith('.partial')) return [{ path: p, partial: true }];
  const out: { path: string; partial: boolean }[] = [];
  for (const name of fs.readdirSync(p).sort()) {
    const full = path.join(p, name);
    if (name.endsWith('.npz')) out.push({ path: full, partial: false });
    else if (name.endsWith('.partial') && fs.existsSync(path.join(full, 'manifest.json'))) out.push({ path: full, partial: true });
  }
  if (out.length === 0) throw new Error(`${p}: no datasets (*.npz) or unfinished collections (*.partial) found`);
  return out;
}

/** Stats of every dataset under `p` (see `findDatasets`). */
export function statsOf(p: string, opts: { verify?: boolean } = {}): DatasetStats[] {
  return findDatasets(p).map(({ path: file, partial }) => datasetStats(partial ? readPartial(file) : loadDataset(file, opts), file, partial));
}
