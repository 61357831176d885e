/**
 * Incremental, crash-safe dataset writing for collectors.
 *
 * While collecting, a task's data lives in `<out>/<task>.partial/`: one append-only column file per
 * array and `manifest.json`. Each finished episode is written at the committed end of every column,
 * then the manifest (replaced atomically) advances the committed counts. A process killed at any point
 * leaves all committed episodes readable (`readPartial`), and anything past the counts is ignored and
 * overwritten on resume. `finalize()` turns the columns into `<out>/<task>.npz` (atomic) and removes
 * the partial directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../torch/atomic-write.ts';
import { buildDataset, saveDataset, type Dataset, type DatasetDescription } from './dataset.ts';
import { layoutDim } from './layout.ts';

const MANIFEST = 'manifest.json';
const PARTIAL_FORMAT = 'l2m-dataset-partial';

type Column = 'states' | 'actions' | 'rewards' | 'terminals' | 'timeouts' | 'successes' | 'episode_lengths' | 'episode_seeds';
const STEP_COLUMNS: Column[] = ['states', 'actions', 'rewards', 'terminals', 'timeouts', 'successes'];
const EPISODE_COLUMNS: Column[] = ['episode_lengths', 'episode_seeds'];
const BYTES: Record<Column, number> = { states: 4, actions: 4, rewards: 4, terminals: 1, timeouts: 1, successes: 1, episode_lengths: 4, episode_seeds: 8 };

interface Manifest {
  format: typeof PARTIAL_FORMAT;
  description: DatasetDescription;
  /** The run's settings; resume requires the same. */
  settings: Record<string, unknown>;
  withSuccess: boolean;
  episodes: number;
  transitions: number;
}

/** One finished episode. */
export interface EpisodeRecord {
  states: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  terminals: Uint8Array;
  timeouts: Uint8Array;
  successes?: Uint8Array;
  seed: number;
}

export function partialDir(out: string, task: string): string {
  return path.join(out, `${task}.partial`);
}

export function finalPath(out: string, task: string): string {
  return path.join(out, `${task}.npz`);
}

/** JSON with sorted keys, for comparing settings; like JSON.stringify, a key whose value is undefined is left out. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST);
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    throw new Error(`${file}: cannot read the collection manifest (${(err as Error).message})`);
  }
  if (m.format !== PARTIAL_FORMAT) throw new Error(`${file}: not an l2m partial dataset manifest`);
  return m;
}

export interface OpenOptions {
  /** Continue an existing partial collection (its settings must match). */
  resume?: boolean;
  /** Replace existing output. */
  force?: boolean;
  /** Record Meta-World per-step success. */
  withSuccess: boolean;
}

export class EpisodeWriter {
  private fds = new Map<Column, number>();
  private constructor(
    readonly dir: string,
    readonly out: string,
    private manifest: Manifest,
  ) {}

  /** Episodes committed so far (the next episode's index). */
  get episodes(): number {
    return this.manifest.episodes;
  }

  get transitions(): number {
    return this.manifest.transitions;
  }

  /**
   * Opens `<out>/<task>.partial` for writing. Without `resume`, existing output is an error (unless
   * `force`); with `resume`, the stored settings must equal `settings`.
   */
  static open(out: string, desc: DatasetDescription, settings: Record<string, unknown>, opts: OpenOptions): EpisodeWriter {
    const dir = partialDir(out, desc.task);
    const final = finalPath(out, desc.task);
    fs.mkdirSync(out, { recursive: true });
    if (opts.force) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(final, { force: true });
    }
    if (fs.existsSync(final)) throw new Error(`${final} already exists (pass --force to overwrite it)`);
    let manifest: Manifest;
    if (fs.existsSync(path.join(dir, MANIFEST))) {
      if (!opts.resume) throw new Error(`${dir} holds an unfinished collection (pass --resume to continue it or --force to start over)`);
      manifest = readManifest(dir);
      const want = stableJson({ description: desc, settings, withSuccess: opts.withSuccess });
      const have = stableJson({ description: manifest.description, settings: manifest.settings, withSuccess: manifest.withSuccess });
      if (want !== have) {
        const diff = Object.keys({ ...settings, ...manifest.settings }).filter((k) => stableJson(settings[k]) !== stableJson(manifest.settings[k]));
        throw new Error(`${dir}: cannot resume with different settings${diff.length ? ` (${diff.join(', ')})` : ' (task description differs)'}; use --force to start over`);
      }
    } else {
      fs.mkdirSync(dir, { recursive: true });
      manifest = { format: PARTIAL_FORMAT, description: desc, settings, withSuccess: opts.withSuccess, episodes: 0, transitions: 0 };
      writeFileAtomic(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 1));
    }
    const w = new EpisodeWriter(dir, out, manifest);
    for (const c of [...STEP_COLUMNS, ...EPISODE_COLUMNS]) {
      if (c === 'successes' && !manifest.withSuccess) continue;
      const file = path.join(dir, `${c}.bin`);
      w.fds.set(c, fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+'));
    }
    return w;
  }

  private writeAt(c: Column, data: ArrayBufferView, row: number, width: number): void {
    const fd = this.fds.get(c)!;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let done = 0;
    const pos = row * width * BYTES[c];
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, pos + done);
  }

  /** Appends one finished episode and commits it. */
  append(ep: EpisodeRecord): void {
    const d = this.manifest.description;
    const obsDim = layoutDim(d.observation);
    const actDim = d.action.dim;
    const n = ep.rewards.length;
    if (n === 0) throw new Error(`${d.task}: cannot append an empty episode`);
    const check = (name: string, len: number, want: number): void => {
      if (len !== want) throw new Error(`${d.task}: episode '${name}' has ${len} values, expected ${want}`);
    };
    check('states', ep.states.length, n * obsDim);
    check('actions', ep.actions.length, n * actDim);
    check('terminals', ep.terminals.length, n);
    check('timeouts', ep.timeouts.length, n);
    if (this.manifest.withSuccess) {
      if (!ep.successes) throw new Error(`${d.task}: episode lacks 'successes'`);
      check('successes', ep.successes.length, n);
    }
    const t = this.manifest.transitions;
    const e = this.manifest.episodes;
    this.writeAt('states', ep.states, t, obsDim);
    this.writeAt('actions', ep.actions, t, actDim);
    this.writeAt('rewards', ep.rewards, t, 1);
    this.writeAt('terminals', ep.terminals, t, 1);
    this.writeAt('timeouts', ep.timeouts, t, 1);
    if (this.manifest.withSuccess) this.writeAt('successes', ep.successes!, t, 1);
    this.writeAt('episode_lengths', Int32Array.of(n), e, 1);
    this.writeAt('episode_seeds', BigInt64Array.of(BigInt(ep.seed)), e, 1);
    this.manifest = { ...this.manifest, episodes: e + 1, transitions: t + n };
    writeFileAtomic(path.join(this.dir, MANIFEST), JSON.stringify(this.manifest, null, 1));
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }

  /** Writes `<out>/<task>.npz` from the committed episodes and removes the partial directory. */
  finalize(): Dataset {
    this.close();
    const ds = readPartial(this.dir);
    const file = finalPath(this.out, this.manifest.description.task);
    saveDataset(file, ds);
    fs.rmSync(this.dir, { recursive: true, force: true });
    return ds;
  }
}

function readColumn(dir: string, c: Column, count: number): Buffer {
  const file = path.join(dir, `${c}.bin`);
  const need = count * BYTES[c];
  const buf = Buffer.allocUnsafeSlow(need);
  const fd = fs.openSync(file, 'r');
  try {
    let done = 0;
    while (done < need) {
      const n = fs.readSync(fd, buf, done, need - done, done);
      if (n === 0) throw new Error(`${file}: shorter than the manifest's committed count (${done} of ${need} bytes)`);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

/** The committed episodes of an unfinished (or interrupted) collection, as a Dataset. */
export function readPartial(dir: string): Dataset {
  const m = readManifest(dir);
  const d = m.description;
  const obsDim = layoutDim(d.observation);
  const N = m.transitions;
  const E = m.episodes;
  const f32 = (b: Buffer): Float32Array => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const seeds = readColumn(dir, 'episode_seeds', E);
  return buildDataset(
    { ...d, collector: { ...d.collector, settings: { ...d.collector.settings } } },
    {
      states: f32(readColumn(dir, 'states', N * obsDim)),
      actions: f32(readColumn(dir, 'actions', N * d.action.dim)),
      rewards: f32(readColumn(dir, 'rewards', N)),
      terminals: u8(readColumn(dir, 'terminals', N)),
      timeouts: u8(readColumn(dir, 'timeouts', N)),
      successes: m.withSuccess ? u8(readColumn(dir, 'successes', N)) : undefined,
      episodeLengths: new Int32Array(readColumn(dir, 'episode_lengths', E).buffer, 0, E),
      episodeSeeds: Float64Array.from(new BigInt64Array(seeds.buffer, 0, E), (v) => Number(v)),
    },
  );
}
