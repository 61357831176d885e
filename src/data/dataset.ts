/**
 * One task's offline dataset: the in-memory form, and its file form, an uncompressed `.npz`.
 *
 * File keys (N transitions, E episodes; a superset of the original release's `states`, `actions`,
 * `rewards`, `dones`, `returns_to_go`):
 *   states          float32 [N, obs_dim]  native layout (metadata.observation says how it maps to 204-d)
 *   actions         float32 [N, act_dim]  the action applied (clipped to the action space)
 *   rewards         float32 [N]
 *   returns_to_go   float32 [N]           undiscounted sum of the episode's rewards from t on (unscaled,
 *                                         accumulated in float32 from the episode's end as the original)
 *   dones           bool    [N]           last step of an episode (terminal, time limit or end of data)
 *   terminals       bool    [N]           the MDP ended
 *   timeouts        bool    [N]           the time limit was reached
 *   successes       bool    [N]           Meta-World `info.success` per step (absent for DMControl)
 *   timesteps       int32   [N]           step index within the episode
 *   episode_offsets int64   [E+1]         episode e is rows [offsets[e], offsets[e+1])
 *   episode_seeds   int64   [E]           reset seed of each episode (-1 when unknown, e.g. imported)
 *   metadata.json   (raw member)          DatasetMeta; `json.loads(np.load(p)['metadata.json'])`
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import nodePath from 'node:path';
import { z } from 'zod';
import { observationLayoutSchema, layoutDim, type ObservationLayout } from './layout.ts';
import { NpzFile, npyChunks, type NpzArrayInput } from './npz.ts';
import { decodeNpy, type NpyArray } from './npy.ts';
import { replaceAtomically } from '../torch/atomic-write.ts';
import { writeZip } from './zip.ts';

export const DATASET_FORMAT = 'l2m-dataset';
export const DATASET_VERSION = 1;

export const datasetMetaSchema = z.object({
  format: z.literal(DATASET_FORMAT),
  version: z.literal(DATASET_VERSION),
  task: z.string(),
  domain: z.enum(['metaworld', 'dmc']),
  observation: observationLayoutSchema,
  action: z.object({ dim: z.number().int().positive(), low: z.array(z.number()), high: z.array(z.number()) }),
  /** Who made the data: `scripted-noise`, `random`, `import`, `sac`, ... and its settings. */
  collector: z.object({ kind: z.string(), settings: z.record(z.string(), z.unknown()) }),
  seed: z.number().nullable(),
  counts: z.object({ episodes: z.number().int().nonnegative(), transitions: z.number().int().nonnegative() }),
  /** sha256 over the bytes of the `.npy` members, in sorted member-name order. */
  checksum: z.object({ algorithm: z.literal('sha256'), value: z.string() }),
  created: z.string(),
});
export type DatasetMeta = z.infer<typeof datasetMetaSchema>;
/** What a producer supplies; counts, checksum, format and date are filled in on save. */
export type DatasetDescription = Omit<DatasetMeta, 'format' | 'version' | 'counts' | 'checksum' | 'created'>;

export interface Dataset {
  meta: DatasetMeta;
  obsDim: number;
  actDim: number;
  states: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  returnsToGo: Float32Array;
  dones: Uint8Array;
  terminals: Uint8Array;
  timeouts: Uint8Array;
  successes?: Uint8Array;
  timesteps: Int32Array;
  /** E+1 row offsets. */
  episodeOffsets: Int32Array;
  episodeSeeds: Float64Array;
}

export function episodeCount(ds: Pick<Dataset, 'episodeOffsets'>): number {
  return ds.episodeOffsets.length - 1;
}

export function transitionCount(ds: Pick<Dataset, 'episodeOffsets'>): number {
  return ds.episodeOffsets[ds.episodeOffsets.length - 1];
}

/** Per-step columns of whole episodes, before the derived columns are computed. */
export interface EpisodeColumns {
  states: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  terminals: Uint8Array;
  timeouts: Uint8Array;
  successes?: Uint8Array;
  episodeLengths: Int32Array;
  episodeSeeds: Float64Array;
}

/** Completes episode columns into a Dataset: offsets, dones, timesteps, returns-to-go, metadata. */
export function buildDataset(desc: DatasetDescription, cols: EpisodeColumns): Dataset {
  const obsDim = layoutDim(desc.observation);
  const actDim = desc.action.dim;
  const E = cols.episodeLengths.length;
  const offsets = new Int32Array(E + 1);
  for (let e = 0; e < E; e++) {
    if (cols.episodeLengths[e] <= 0) throw new Error(`${desc.task}: episode ${e} is empty`);
    offsets[e + 1] = offsets[e] + cols.episodeLengths[e];
  }
  const N = offsets[E];
  const check = (name: string, len: number, want: number): void => {
    if (len !== want) throw new Error(`${desc.task}: '${name}' has ${len} values, expected ${want}`);
  };
  check('states', cols.states.length, N * obsDim);
  check('actions', cols.actions.length, N * actDim);
  check('rewards', cols.rewards.length, N);
  check('terminals', cols.terminals.length, N);
  check('timeouts', cols.timeouts.length, N);
  if (cols.successes) check('successes', cols.successes.length, N);
  check('episode_seeds', cols.episodeSeeds.length, E);
  const dones = new Uint8Array(N);
  const timesteps = new Int32Array(N);
  const returnsToGo = new Float32Array(N);
  for (let e = 0; e < E; e++) {
    const a = offsets[e];
    const b = offsets[e + 1];
    dones[b - 1] = 1;
    // Summed backwards in float32, as the original's `discount_cumsum_np` (np.cumsum of float32 rewards).
    let acc = 0;
    for (let i = b - 1; i >= a; i--) {
      acc = Math.fround(acc + cols.rewards[i]);
      returnsToGo[i] = acc;
      timesteps[i] = i - a;
    }
  }
  const meta: DatasetMeta = {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    ...desc,
    counts: { episodes: E, transitions: N },
    checksum: { algorithm: 'sha256', value: '' },
    created: new Date().toISOString(),
  };
  return {
    meta,
    obsDim,
    actDim,
    states: cols.states,
    actions: cols.actions,
    rewards: cols.rewards,
    returnsToGo,
    dones,
    terminals: cols.terminals,
    timeouts: cols.timeouts,
    successes: cols.successes,
    timesteps,
    episodeOffsets: offsets,
    episodeSeeds: cols.episodeSeeds,
  };
}

function fileArrays(ds: Dataset): Record<string, NpzArrayInput> {
  const N = transitionCount(ds);
  const E = episodeCount(ds);
  const arrays: Record<string, NpzArrayInput> = {
    states: { dtype: '<f4', shape: [N, ds.obsDim], data: ds.states },
    actions: { dtype: '<f4', shape: [N, ds.actDim], data: ds.actions },
    rewards: { dtype: '<f4', shape: [N], data: ds.rewards },
    returns_to_go: { dtype: '<f4', shape: [N], data: ds.returnsToGo },
    dones: { dtype: '|b1', shape: [N], data: ds.dones },
    terminals: { dtype: '|b1', shape: [N], data: ds.terminals },
    timeouts: { dtype: '|b1', shape: [N], data: ds.timeouts },
    timesteps: { dtype: '<i4', shape: [N], data: ds.timesteps },
    episode_offsets: { dtype: '<i8', shape: [E + 1], data: BigInt64Array.from(ds.episodeOffsets, (v) => BigInt(v)) },
    episode_seeds: { dtype: '<i8', shape: [E], data: BigInt64Array.from(ds.episodeSeeds, (v) => BigInt(v)) },
  };
  if (ds.successes) arrays.successes = { dtype: '|b1', shape: [N], data: ds.successes };
  return arrays;
}

/** Keys in the order of their `.npy` member names (as Python's `sorted(zf.namelist())`). */
function byMemberName(keys: string[]): string[] {
  return keys.map((k) => `${k}.npy`).sort().map((n) => n.slice(0, -4));
}

function sha256Members(members: Map<string, Uint8Array[]>): string {
  const h = crypto.createHash('sha256');
  for (const key of byMemberName([...members.keys()])) for (const c of members.get(key)!) h.update(c);
  return h.digest('hex');
}

/** Writes `ds` to `path` (an uncompressed `.npz`) atomically; fills in counts and checksum in `ds.meta`. */
export function saveDataset(path: string, ds: Dataset): void {
  const arrays = fileArrays(ds);
  const chunks = npyChunks(arrays);
  ds.meta.counts = { episodes: episodeCount(ds), transitions: transitionCount(ds) };
  ds.meta.checksum = { algorithm: 'sha256', value: sha256Members(chunks) };
  const metaBytes = Buffer.from(JSON.stringify(ds.meta, null, 1));
  const members = [...chunks].map(([k, c]) => ({ name: `${k}.npy`, chunks: c }));
  members.push({ name: 'metadata.json', chunks: [metaBytes] });
  replaceAtomically(path, (tmp) => writeZip(tmp, members));
}

const REQUIRED = ['states', 'actions', 'rewards', 'returns_to_go', 'dones', 'terminals', 'timeouts', 'timesteps', 'episode_offsets', 'episode_seeds'];

function expectDtype(arr: NpyArray, key: string, path: string, dtypes: string[], shape: (number | null)[]): void {
  if (!dtypes.includes(arr.dtype)) throw new Error(`${path}: key '${key}' has dtype ${arr.dtype}, expected ${dtypes.join(' or ')}`);
  const ok = arr.shape.length === shape.length && shape.every((d, i) => d === null || d === arr.shape[i]);
  if (!ok) throw new Error(`${path}: key '${key}' has shape (${arr.shape.join(', ')}), expected (${shape.map((d) => d ?? '*').join(', ')})`);
}

function parseMeta(bytes: Buffer | undefined, path: string): DatasetMeta {
  if (!bytes) {
    throw new Error(`${path}: no metadata.json member: not an l2m dataset (convert the original release with \`l2m data import ${path} --task <name> --out <dir>\`)`);
  }
  try {
    return datasetMetaSchema.parse(JSON.parse(bytes.toString('utf8')));
  } catch (err) {
    throw new Error(`${path}: invalid metadata.json: ${(err as Error).message}`);
  }
}

/** Only the metadata of an l2m dataset file (cheap: reads one small member). */
export function readDatasetMeta(path: string): DatasetMeta {
  const npz = NpzFile.open(path);
  try {
    return parseMeta(npz.bytes('metadata.json'), path);
  } finally {
    npz.close();
  }
}

export interface LoadOptions {
  /** Recompute the sha256 checksum and compare with the metadata (about 0.1 s per 150 MB). */
  verify?: boolean;
  /** Check each member's ZIP CRC-32 (default true; about a third of the load time). */
  crc?: boolean;
}

/** Loads an l2m dataset `.npz` (written by `saveDataset`); arrays are views of the file's bytes. */
export function loadDataset(path: string, opts: LoadOptions = {}): Dataset {
  const npz = NpzFile.open(path);
  try {
    const meta = parseMeta(npz.bytes('metadata.json'), path);
    for (const k of REQUIRED) if (!npz.has(k)) throw new Error(`${path}: missing key '${k}'`);
    // Each member is read once; its bytes are kept for the checksum and viewed by the arrays.
    const raw = new Map<string, Buffer>();
    const arr = (key: string): NpyArray => {
      const bytes = npz.npyBytes(key, { verifyCrc: opts.crc ?? true });
      raw.set(key, bytes);
      return decodeNpy(bytes, `${path}: key '${key}'`);
    };
    const obsDim = layoutDim(meta.observation);
    const actDim = meta.action.dim;
    const N = meta.counts.transitions;
    const E = meta.counts.episodes;
    const states = arr('states');
    expectDtype(states, 'states', path, ['<f4'], [N, obsDim]);
    const actions = arr('actions');
    expectDtype(actions, 'actions', path, ['<f4'], [N, actDim]);
    const vec = (key: string, dtypes: string[], len: number): NpyArray => {
      const a = arr(key);
      expectDtype(a, key, path, dtypes, [len]);
      return a;
    };
    const rewards = vec('rewards', ['<f4'], N);
    const rtg = vec('returns_to_go', ['<f4'], N);
    const dones = vec('dones', ['|b1'], N);
    const terminals = vec('terminals', ['|b1'], N);
    const timeouts = vec('timeouts', ['|b1'], N);
    const timesteps = vec('timesteps', ['<i4'], N);
    const offsets64 = vec('episode_offsets', ['<i8'], E + 1).data as BigInt64Array;
    const seeds64 = vec('episode_seeds', ['<i8'], E).data as BigInt64Array;
    const successes = npz.has('successes') ? vec('successes', ['|b1'], N) : undefined;
    const episodeOffsets = Int32Array.from(offsets64, (v) => Number(v));
    for (let e = 0; e < E; e++) {
      if (!(episodeOffsets[e + 1] > episodeOffsets[e])) throw new Error(`${path}: 'episode_offsets' is not strictly increasing at episode ${e}`);
    }
    if (episodeOffsets[0] !== 0 || episodeOffsets[E] !== N) throw new Error(`${path}: 'episode_offsets' must run from 0 to ${N}`);
    if (opts.verify) {
      const h = crypto.createHash('sha256');
      for (const key of byMemberName(npz.keys)) h.update(raw.get(key) ?? npz.npyBytes(key));
      const value = h.digest('hex');
      if (value !== meta.checksum.value) throw new Error(`${path}: checksum mismatch (metadata ${meta.checksum.value.slice(0, 12)}…, data ${value.slice(0, 12)}…): the file was modified or is corrupt`);
    }
    return {
      meta,
      obsDim,
      actDim,
      states: states.data as Float32Array,
      actions: actions.data as Float32Array,
      rewards: rewards.data as Float32Array,
      returnsToGo: rtg.data as Float32Array,
      dones: dones.data as Uint8Array,
      terminals: terminals.data as Uint8Array,
      timeouts: timeouts.data as Uint8Array,
      successes: successes?.data as Uint8Array | undefined,
      timesteps: timesteps.data as Int32Array,
      episodeOffsets,
      episodeSeeds: Float64Array.from(seeds64, (v) => Number(v)),
    };
  } finally {
    npz.close();
  }
}

/**
 * Loads one dataset per task, finding `<task>.npz` in the first of `dirs` that has it (a task may
 * also be given as a path to its `.npz`). Errors list where it looked.
 */
export function loadTaskDatasets(dirs: string[], tasks: string[], opts: LoadOptions = {}): Dataset[] {
  return tasks.map((task) => {
    if (task.endsWith('.npz') && fs.existsSync(task)) return loadDataset(task, opts);
    const candidates = dirs.map((d) => nodePath.join(d, `${task}.npz`));
    const found = candidates.find((c) => fs.existsSync(c));
    if (!found) throw new Error(`no dataset for task '${task}' (looked for ${candidates.join(', ')}; collect it with \`l2m data collect --tasks ${task}\`)`);
    const ds = loadDataset(found, opts);
    if (ds.meta.task !== task) throw new Error(`${found}: holds task '${ds.meta.task}', not '${task}'`);
    return ds;
  });
}
