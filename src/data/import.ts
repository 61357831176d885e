/**
 * Import of the original L2M release into an l2m dataset.
 *
 * Accepted inputs (one task per import):
 * - a replay-buffer `.npz` (DMControl `dm_control_1M_v3_full/<task>.npz`, `np.savez_compressed`):
 *   `observations` (or `states`) [N, D] or SB3's [N, 1, D], `actions` [N, A] / [N, 1, A] / [N],
 *   `rewards` [N] / [N, 1], `dones` [N] / [N, 1], optional `timeouts`, `next_observations` (ignored);
 * - per-episode `.npz` files (`states`, `actions`, `rewards`, `dones` scalar or per step, optional
 *   `returns_to_go`), given as a directory: every `*.npz` in name order.
 * Episodes are split on `dones`; steps after the last done of a replay buffer (an unfinished episode,
 * or the unfilled zero tail) are dropped, as the original's `extract_trajectories` does.
 * Meta-World and DMControl never terminate, so without `timeouts` every done counts as a time limit.
 * 204-d states are stored in the task's native layout when it is known (registered task): the
 * columns it does not use must be zero.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Domain } from '../envs/types.ts';
import { buildDataset, type Dataset } from './dataset.ts';
import { MODEL_ACTION_DIM, MODEL_STATE_DIM, layoutDim, modelStateIndex, type ObservationLayout } from './layout.ts';
import { NpzFile } from './npz.ts';
import type { NpyArray } from './npy.ts';
import { describeTask, type TaskInfo } from './task-info.ts';

const FLOAT = ['<f2', '<f4', '<f8'];
const FLAG = ['|b1', '|u1', '|i1', '<i2', '<u2', '<i4', '<u4', '<i8', '<u8', '<f4', '<f8'];

interface FilePiece {
  states: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  dones: Uint8Array;
  timeouts?: Uint8Array;
  successes?: Uint8Array;
  obsDim: number;
  actDim: number;
  /** The file is one episode (0-d `dones`). */
  wholeEpisode: boolean;
}

function pickKey(npz: NpzFile, names: string[]): string {
  for (const n of names) if (npz.has(n)) return n;
  const alt = names.length > 1 ? ` (or ${names.slice(1).map((n) => `'${n}'`).join(', ')})` : '';
  throw new Error(`${npz.path}: missing key '${names[0]}'${alt}; the file has ${npz.keys.map((k) => `'${k}'`).join(', ') || 'no arrays'}`);
}

function shapeText(a: NpyArray): string {
  return `(${a.shape.join(', ')})`;
}

function toFloat32(a: NpyArray, where: string): Float32Array {
  if (!FLOAT.includes(a.dtype)) throw new Error(`${where} has dtype ${a.dtype}, expected a float array (float16/32/64)`);
  if (a.data instanceof Float32Array) return a.data;
  const src = a.data as Float64Array;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i];
  return out;
}

function toFlags(a: NpyArray, where: string): Uint8Array {
  if (!FLAG.includes(a.dtype)) throw new Error(`${where} has dtype ${a.dtype}, expected bool or numeric flags`);
  const out = new Uint8Array(a.data.length);
  const src = a.data as unknown as ArrayLike<number | bigint>;
  for (let i = 0; i < out.length; i++) out[i] = src[i] ? 1 : 0;
  return out;
}

function requireFinite(a: Float32Array, width: number, where: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new Error(`${where} holds ${a[i]} at row ${Math.floor(i / width)}${width > 1 ? `, column ${i % width}` : ''}`);
  }
}

/** Drops SB3's n_envs axis: [N, 1, D] → [N, D], [N, 1] → [N]. */
function rows(a: NpyArray, key: string, where: string, vector: boolean): { n: number; width: number } {
  const s = a.shape;
  const bad = (): Error => new Error(`${where}: key '${key}' has shape ${shapeText(a)}, expected ${vector ? '(N,) or (N, 1)' : '(N, D) or (N, 1, D)'}`);
  if (vector) {
    if (s.length === 1) return { n: s[0], width: 1 };
    if (s.length === 2 && s[1] === 1) return { n: s[0], width: 1 };
    throw bad();
  }
  if (s.length === 2) return { n: s[0], width: s[1] };
  if (s.length === 3 && s[1] === 1) return { n: s[0], width: s[2] };
  if (s.length === 3) throw new Error(`${where}: key '${key}' has shape ${shapeText(a)}: a replay buffer of ${s[1]} parallel envs is not supported (n_envs must be 1)`);
  throw bad();
}

function readFile(file: string): FilePiece {
  const npz = NpzFile.open(file);
  try {
    const sKey = pickKey(npz, ['states', 'observations']);
    const aKey = pickKey(npz, ['actions']);
    const rKey = pickKey(npz, ['rewards']);
    const dKey = pickKey(npz, ['dones', 'terminals']);
    const where = (k: string): string => `${file}: key '${k}'`;
    const s = npz.array(sKey);
    const sRows = rows(s, sKey, file, false);
    const a = npz.array(aKey);
    const aRows = a.shape.length === 1 ? { n: a.shape[0], width: 1 } : rows(a, aKey, file, false);
    const r = npz.array(rKey);
    const rRows = rows(r, rKey, file, true);
    const d = npz.array(dKey);
    const n = sRows.n;
    for (const [k, m] of [[aKey, aRows.n], [rKey, rRows.n]] as const) {
      if (m !== n) throw new Error(`${file}: mismatched lengths: '${sKey}' has ${n} rows, '${k}' has ${m}`);
    }
    if (n === 0) throw new Error(`${file}: '${sKey}' has no rows`);
    const wholeEpisode = d.shape.length === 0 || (d.shape.length === 1 && d.shape[0] === 1 && n > 1);
    let dones: Uint8Array;
    if (wholeEpisode) {
      toFlags(d, where(dKey));
      dones = new Uint8Array(n);
      dones[n - 1] = 1;
    } else {
      const dRows = rows(d, dKey, file, true);
      if (dRows.n !== n) throw new Error(`${file}: mismatched lengths: '${sKey}' has ${n} rows, '${dKey}' has ${dRows.n}`);
      dones = toFlags(d, where(dKey));
    }
    let timeouts: Uint8Array | undefined;
    if (npz.has('timeouts')) {
      const t = npz.array('timeouts');
      if (rows(t, 'timeouts', file, true).n !== n) throw new Error(`${file}: mismatched lengths: '${sKey}' has ${n} rows, 'timeouts' has ${t.shape[0]}`);
      timeouts = toFlags(t, where('timeouts'));
    }
    let successes: Uint8Array | undefined;
    const succKey = ['successes', 'success'].find((k) => npz.has(k));
    if (succKey) {
      const t = npz.array(succKey);
      if (rows(t, succKey, file, true).n !== n) throw new Error(`${file}: mismatched lengths: '${sKey}' has ${n} rows, '${succKey}' has ${t.shape[0]}`);
      successes = toFlags(t, where(succKey));
    }
    if (npz.has('returns_to_go')) {
      const g = npz.array('returns_to_go');
      if (rows(g, 'returns_to_go', file, true).n !== n) throw new Error(`${file}: mismatched lengths: '${sKey}' has ${n} rows, 'returns_to_go' has ${g.shape[0]}`);
      toFloat32(g, where('returns_to_go')); // validated only: l2m recomputes returns-to-go per episode
    }
    const states = toFloat32(s, where(sKey));
    const actions = toFloat32(a, where(aKey));
    const rewards = toFloat32(r, where(rKey));
    requireFinite(states, sRows.width, where(sKey));
    requireFinite(actions, aRows.width, where(aKey));
    requireFinite(rewards, 1, where(rKey));
    return {
      states,
      actions,
      rewards,
      dones,
      timeouts,
      successes,
      obsDim: sRows.width,
      actDim: aRows.width,
      wholeEpisode,
    };
  } finally {
    npz.close();
  }
}

function listInputs(input: string): string[] {
  if (!fs.existsSync(input)) throw new Error(`${input}: no such file or directory`);
  if (!fs.statSync(input).isDirectory()) return [input];
  const files = fs
    .readdirSync(input)
    .filter((f) => f.endsWith('.npz'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => path.join(input, f));
  if (files.length === 0) throw new Error(`${input}: directory holds no .npz files`);
  return files;
}

/**
 * Chooses the stored layout for observations of width `dim`, checking it against the task. Returns
 * `gather`: for each stored dimension, the source column (Meta-World 204-d and DMControl 204-d data
 * are stored compactly when the task's native layout is known; the dropped columns must be zero).
 */
function chooseLayout(info: TaskInfo, dim: number, pieces: { piece: FilePiece; file: string }[]): { layout: ObservationLayout; gather?: Int32Array } {
  const where = pieces[0].file;
  const requireZero = (keep: Int32Array): void => {
    const kept = new Uint8Array(dim);
    for (const c of keep) kept[c] = 1;
    const dropped = [...kept.keys()].filter((c) => !kept[c]);
    for (const { piece, file } of pieces) {
      const st = piece.states;
      for (let i = 0; i < st.length; i += dim) for (const c of dropped) {
        if (st[i + c] !== 0) throw new Error(`${file}: state dimension ${c} is ${st[i + c]} at row ${i / dim}, but task '${info.name}' does not use it (its observation has ${keep.length} values)`);
      }
    }
  };
  if (info.domain === 'metaworld') {
    const want = info.observation?.kind === 'padded' ? info.observation.dim : 39;
    if (dim === want) return { layout: { kind: 'padded', dim } };
    if (dim === MODEL_STATE_DIM) {
      const gather = Int32Array.from({ length: want }, (_, i) => i);
      requireZero(gather);
      return { layout: { kind: 'padded', dim: want }, gather };
    }
    throw new Error(`${where}: states have ${dim} dimensions; Meta-World data must have ${want} (or ${MODEL_STATE_DIM}, zero-padded)`);
  }
  const native = info.observation?.kind === 'dmc-parts' ? info.observation : undefined;
  const nativeDim = native ? layoutDim(native) : undefined;
  if (native && dim === nativeDim) return { layout: native };
  if (dim === MODEL_STATE_DIM) {
    if (!native) return { layout: { kind: 'model' } };
    const gather = modelStateIndex(native);
    requireZero(gather);
    return { layout: native, gather };
  }
  throw new Error(
    `${where}: states have ${dim} dimensions; DMControl data must be in the ${MODEL_STATE_DIM}-d layout` +
      (nativeDim !== undefined ? ` or ${info.name}'s native layout (${nativeDim})` : ` (the native layout needs task '${info.name}' registered)`),
  );
}

export interface ImportOptions {
  domain?: Domain;
  /** Task description (skips the registry lookup; tests use it). */
  info?: TaskInfo;
}

export interface ImportResult {
  dataset: Dataset;
  files: number;
  /** Steps dropped after the last `done` of a replay buffer file. */
  droppedSteps: number;
}

/** Reads the original release's file(s) for one task into a Dataset (not yet saved). */
export async function importRelease(input: string, task: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const info = opts.info ?? (await describeTask(task, opts.domain));
  const files = listInputs(input);
  const pieces: { piece: FilePiece; file: string }[] = [];
  for (const file of files) pieces.push({ piece: readFile(file), file });
  const first = pieces[0];
  for (const { piece, file } of pieces) {
    if (piece.obsDim !== first.piece.obsDim || piece.actDim !== first.piece.actDim) {
      throw new Error(`${file}: states/actions are ${piece.obsDim}/${piece.actDim}-d but ${first.file} has ${first.piece.obsDim}/${first.piece.actDim}`);
    }
  }
  const actDim = first.piece.actDim;
  if (actDim > MODEL_ACTION_DIM) throw new Error(`${first.file}: actions have ${actDim} dimensions; the model takes at most ${MODEL_ACTION_DIM}`);
  if (info.actionLow && info.actionLow.length !== actDim) {
    throw new Error(`${first.file}: actions have ${actDim} dimensions but task '${info.name}' has ${info.actionLow.length}`);
  }
  // Episode boundaries, and the number of rows kept per piece.
  const lengths: number[] = [];
  let dropped = 0;
  const kept: number[] = [];
  for (const { piece } of pieces) {
    const n = piece.rewards.length;
    let start = 0;
    for (let i = 0; i < n; i++) {
      if (piece.dones[i]) {
        lengths.push(i + 1 - start);
        start = i + 1;
      }
    }
    dropped += n - start;
    kept.push(start);
  }
  const N = kept.reduce((a, b) => a + b, 0);
  if (N === 0) throw new Error(`${input}: no complete episode (no 'dones' set)`);
  const { layout, gather } = chooseLayout(info, first.piece.obsDim, pieces);
  const keep = gather ? gather.length : first.piece.obsDim;
  const states = new Float32Array(N * keep);
  const actions = new Float32Array(N * actDim);
  const rewards = new Float32Array(N);
  const terminals = new Uint8Array(N);
  const timeouts = new Uint8Array(N);
  const hasSuccess = pieces.every((p) => p.piece.successes);
  const successes = hasSuccess ? new Uint8Array(N) : undefined;
  let row = 0;
  pieces.forEach(({ piece }, k) => {
    const n = kept[k];
    const w = piece.obsDim;
    if (!gather) states.set(piece.states.subarray(0, n * w), row * keep);
    else for (let i = 0; i < n; i++) for (let j = 0; j < keep; j++) states[(row + i) * keep + j] = piece.states[i * w + gather[j]];
    actions.set(piece.actions.subarray(0, n * actDim), row * actDim);
    rewards.set(piece.rewards.subarray(0, n), row);
    for (let i = 0; i < n; i++) {
      if (!piece.dones[i]) continue;
      const timeLimit = piece.timeouts ? piece.timeouts[i] === 1 : true;
      if (timeLimit) timeouts[row + i] = 1;
      else terminals[row + i] = 1;
    }
    if (successes) successes.set(piece.successes!.subarray(0, n), row);
    row += n;
  });
  const dataset = buildDataset(
    {
      task: info.name,
      domain: info.domain,
      observation: layout,
      action: { dim: actDim, low: info.actionLow ?? new Array(actDim).fill(-1), high: info.actionHigh ?? new Array(actDim).fill(1) },
      collector: { kind: 'import', settings: { source: path.basename(input), files: files.length, droppedSteps: dropped } },
      seed: null,
    },
    {
      states,
      actions,
      rewards,
      terminals,
      timeouts,
      successes,
      episodeLengths: Int32Array.from(lengths),
      episodeSeeds: new Float64Array(lengths.length).fill(-1),
    },
  );
  return { dataset, files: files.length, droppedSteps: dropped };
}
