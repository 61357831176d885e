/**
 * Per-domain state standardisation in the model's 204-d layout: s' = (s - mean) / std, with mean and
 * std measured over every transition of a domain's training datasets. This is the original code's
 * `norm_obs` option, off in the paper's run (`norm_obs: False`); small models need it (data.normalizeStates):
 * raw Meta-World positions are in metres, so the centimetre differences an expert acts on are ~0.01 on
 * input and Adam takes ~1e5 steps to grow weights that resolve them.
 *
 * Statistics are per domain, never per task: a per-task normaliser would hand the model its task identity.
 * Slots a domain never uses, or uses as a constant, keep mean 0 / std 1 (no rescaling); a std below
 * `MIN_STD` is raised to it so that tiny training variation does not blow up unseen values.
 */
import type { Domain } from '../envs/types.ts';
import type { Dataset } from './dataset.ts';
import { MODEL_STATE_DIM, modelStateIndex } from './layout.ts';

export const MIN_STD = 1e-2;

export interface DomainStateStats {
  mean: number[];
  std: number[];
  /** Transitions measured. */
  count: number;
}

export type StateNormJSON = Partial<Record<Domain, DomainStateStats>>;

export class StateNormalizer {
  private readonly mean = new Map<Domain, Float32Array>();
  private readonly invStd = new Map<Domain, Float32Array>();

  constructor(readonly stats: StateNormJSON) {
    for (const [domain, s] of Object.entries(stats) as [Domain, DomainStateStats][]) {
      if (s.mean.length !== MODEL_STATE_DIM || s.std.length !== MODEL_STATE_DIM) {
        throw new Error(`state normalisation for ${domain}: expected ${MODEL_STATE_DIM} means and stds, got ${s.mean.length} and ${s.std.length}`);
      }
      s.std.forEach((v, i) => {
        if (!(v > 0) || !Number.isFinite(v)) throw new Error(`state normalisation for ${domain}: std[${i}] is ${v}, must be positive`);
        if (!Number.isFinite(s.mean[i]!)) throw new Error(`state normalisation for ${domain}: mean[${i}] is ${s.mean[i]}`);
      });
      this.mean.set(domain, Float32Array.from(s.mean));
      this.invStd.set(domain, Float32Array.from(s.std, (v) => 1 / v));
    }
  }

  /** Mean and std of every model slot, per domain, over all transitions of `datasets` (in float64). */
  static fromDatasets(datasets: readonly Dataset[]): StateNormalizer {
    const acc = new Map<Domain, { sum: Float64Array; sumSq: Float64Array; count: number }>();
    for (const ds of datasets) {
      const domain = ds.meta.domain;
      let a = acc.get(domain);
      if (!a) acc.set(domain, (a = { sum: new Float64Array(MODEL_STATE_DIM), sumSq: new Float64Array(MODEL_STATE_DIM), count: 0 }));
      const index = modelStateIndex(ds.meta.observation);
      const d = ds.obsDim;
      const n = ds.states.length / d;
      for (let r = 0; r < n; r++) {
        for (let i = 0; i < d; i++) {
          const v = ds.states[r * d + i]!;
          a.sum[index[i]!] += v;
          a.sumSq[index[i]!] += v * v;
        }
      }
      a.count += n;
    }
    const stats: StateNormJSON = {};
    for (const [domain, a] of acc) {
      if (a.count === 0) continue;
      const mean: number[] = [];
      const std: number[] = [];
      for (let i = 0; i < MODEL_STATE_DIM; i++) {
        const m = a.sum[i]! / a.count;
        const variance = Math.max(a.sumSq[i]! / a.count - m * m, 0);
        const sd = Math.sqrt(variance);
        if (sd < 1e-8) {
          mean.push(0);
          std.push(1);
        } else {
          mean.push(m);
          std.push(Math.max(sd, MIN_STD));
        }
      }
      stats[domain] = { mean, std, count: a.count };
    }
    return new StateNormalizer(stats);
  }

  static fromJSON(json: unknown, where: string): StateNormalizer {
    if (typeof json !== 'object' || json === null) throw new Error(`${where}: state normalisation must be an object keyed by domain`);
    for (const [domain, s] of Object.entries(json)) {
      if (domain !== 'metaworld' && domain !== 'dmc') throw new Error(`${where}: unknown domain '${domain}' in the state normalisation`);
      const ok = typeof s === 'object' && s !== null && Array.isArray((s as DomainStateStats).mean) && Array.isArray((s as DomainStateStats).std);
      if (!ok) throw new Error(`${where}: state normalisation for ${domain} needs 'mean' and 'std' arrays`);
    }
    try {
      return new StateNormalizer(json as StateNormJSON);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
  }

  toJSON(): StateNormJSON {
    return this.stats;
  }

  /**
   * Standardises, in place, the real timesteps of [rows, 204] states of `domain` (`realRows[r]` nonzero);
   * padded timesteps stay zero. A domain without statistics is an error: the model never saw it.
   */
  apply(domain: Domain, states: Float32Array, realRows?: ArrayLike<number | boolean>): void {
    const mean = this.mean.get(domain);
    const inv = this.invStd.get(domain);
    if (!mean || !inv) throw new Error(`state normalisation: no statistics for the ${domain} domain (the model was trained without ${domain} data)`);
    const S = MODEL_STATE_DIM;
    const rows = states.length / S;
    for (let r = 0; r < rows; r++) {
      if (realRows && !realRows[r]) continue;
      const base = r * S;
      for (let i = 0; i < S; i++) states[base + i] = (states[base + i]! - mean[i]!) * inv[i]!;
    }
  }
}
