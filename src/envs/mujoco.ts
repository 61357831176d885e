/**
 * Loading MuJoCo (the official WebAssembly build) and scene files from an asset directory.
 *
 * The wasm module is loaded once per thread. Scenes are read from the user's asset directory
 * (default `../shared/assets` beside the repository, or `L2M_ASSETS`), copied into Emscripten's
 * in-memory file system once per thread and compiled there; errors name the file, since MuJoCo's own
 * carry no text.
 *
 * Environments share compiled models: `acquireModel` compiles a scene once per thread and hands out
 * leases on it, each env making its own `MjData` (`makeData`). A compiled Meta-World scene is about
 * 14 MB (meshes and their BVHs; 20 MB with the real texture images, see `PLACEHOLDER_PNG`) and
 * compiling it touches about 60 MB more of the thread's wasm memory, for good; an env's data is about
 * 0.2 MB plus a 14 MB arena that stays untouched (address space, not resident memory).
 * Resets that move fixtures or resize targets write the model, so a lease keeps its env's edits of
 * the `PER_ENV_MODEL_FIELDS` arrays (the differences from the compiled scene) and `activate()`
 * swaps them in before the env touches the model: envs sharing a model behave exactly as envs with
 * their own. The rule for env code: write the model only where the edits are then `commit()`ed (at
 * construction and at reset), and activate before every MuJoCo call.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// mujoco-js types its arrays as `any`; these aliases keep call sites honest about what they hold.
export type Mujoco = any; // eslint-disable-line @typescript-eslint/no-explicit-any
export type MjModel = any; // eslint-disable-line @typescript-eslint/no-explicit-any
export type MjData = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let assetOverride: string | undefined;

/** Sets the asset directory for this process (config key `assets`); overrides `L2M_ASSETS`. */
export function setAssetDir(dir: string | undefined): void {
  assetOverride = dir === undefined ? undefined : path.resolve(dir);
}

/** The asset directory in force: `setAssetDir`, then `L2M_ASSETS`, then `../shared/assets`. */
export function assetDir(): string {
  return assetOverride ?? (process.env.L2M_ASSETS ? path.resolve(process.env.L2M_ASSETS) : path.resolve(repoRoot, '..', 'shared', 'assets'));
}

let mujocoPromise: Promise<Mujoco> | undefined;
/** While compiling, the module's error output is collected here (it names what went wrong) instead of printed. */
let capturedErrors: string[] | null = null;

/**
 * The MuJoCo wasm module of this thread (loaded on first use, about 150 ms).
 *
 * `mujoco-js` is imported here, on first use, not at the top of the file: a thread that only spawns
 * env workers (the main thread of `l2m eval`) never loads it. Under tsx, importing it costs about
 * 100 MB of memory (tsx rewrites the dynamic import in its 11 MB file and builds a source map for
 * it); the worker entry (`vector-worker-entry.mjs`) therefore imports it before registering tsx,
 * and this import then finds it loaded.
 */
export function getMujoco(): Promise<Mujoco> {
  mujocoPromise ??= import('mujoco-js').then(({ default: loadMujoco }) =>
    (loadMujoco as (m?: object) => Promise<Mujoco>)({
      printErr: (text: string) => {
        if (capturedErrors) capturedErrors.push(text);
        else console.error(text);
      },
    }),
  );
  return mujocoPromise;
}

const copiedTrees = new Set<string>();

/**
 * A 1×1 grey PNG. Nothing in l2m renders, and textures feed only the renderer (no physics quantity
 * reads them), so the scenes' texture images are copied into MEMFS as this pixel: a Meta-World model
 * is 14 MB instead of 20 and compiles with about 20 MB less scratch memory. `L2M_FULL_TEXTURES=1`
 * copies the real images (for rendering).
 */
const PLACEHOLDER_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNoaGgAAAMEAYFL09IQAAAAAElFTkSuQmCC', 'base64');

function fullTextures(): boolean {
  return process.env.L2M_FULL_TEXTURES === '1';
}

/**
 * Copies `subdir` of the asset directory into MEMFS (once per thread) so that `include`, `mesh`
 * and `texture` references resolve (texture images as `PLACEHOLDER_PNG`). Returns the MEMFS path of that subdir.
 */
function mountAssetTree(mj: Mujoco, subdir: string): string {
  const root = assetDir();
  const src = path.join(root, subdir);
  if (!fs.existsSync(root)) {
    throw new Error(`MuJoCo asset directory not found: ${root} (set L2M_ASSETS or the 'assets' config key to the folder holding metaworld/ and dm_control/)`);
  }
  if (!fs.existsSync(src)) {
    throw new Error(`MuJoCo asset directory ${root} has no '${subdir}' folder (expected ${src})`);
  }
  const memRoot = `/assets/${subdir}`;
  const textures = fullTextures();
  const key = `${src}->${memRoot}${textures ? ' (textures)' : ''}`;
  if (copiedTrees.has(key)) return memRoot;
  const mkdirp = (p: string): void => {
    let cur = '';
    for (const part of p.split('/').filter(Boolean)) {
      cur += '/' + part;
      try {
        mj.FS.mkdir(cur);
      } catch {
        /* exists */
      }
    }
  };
  const walk = (dir: string, mem: string): void => {
    mkdirp(mem);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, `${mem}/${entry.name}`);
      else if (entry.isFile()) mj.FS.writeFile(`${mem}/${entry.name}`, !textures && /\.png$/i.test(entry.name) ? PLACEHOLDER_PNG : fs.readFileSync(full));
    }
  };
  walk(src, memRoot);
  copiedTrees.add(key);
  return memRoot;
}

/**
 * Compiles the scene `relPath` (relative to the asset directory, e.g.
 * `metaworld/sawyer_xyz/sawyer_reach_push_pick_and_place.xml`) and returns the model.
 * `patch` may rewrite the XML text before compiling (dm_control adjusts some scenes this way).
 */
export async function loadModel(relPath: string, patch?: (xml: string) => string): Promise<MjModel> {
  const mj = await getMujoco();
  const top = relPath.split('/')[0];
  const memRoot = mountAssetTree(mj, top);
  const hostFile = path.join(assetDir(), relPath);
  if (!fs.existsSync(hostFile)) {
    throw new Error(`MuJoCo scene file not found: ${hostFile}`);
  }
  let memFile = `${memRoot}/${relPath.slice(top.length + 1)}`;
  if (patch) {
    const xml = patch(fs.readFileSync(hostFile, 'utf8'));
    memFile = memFile.replace(/\.xml$/, '.patched.xml');
    mj.FS.writeFile(memFile, xml);
  }
  return compile(mj, memFile, hostFile);
}

/**
 * The WebAssembly build addresses at most 2 GiB per thread. A Meta-World env takes about 14 MB of it
 * (its data arena; the model is shared by the envs of a scene in a thread), so a thread holds about
 * 130 envs of one scene, or fewer of many scenes.
 */
export class WasmMemoryError extends Error {
  constructor(hostFile: string) {
    super(`MuJoCo ran out of WebAssembly memory (2 GiB per thread) loading ${hostFile}: too many environments in one thread; spread them over more worker threads (VectorEnv keeps at most ${MAX_ENVS_PER_THREAD} per thread) or run fewer at once`);
    this.name = 'WasmMemoryError';
  }
}

/**
 * Environments `VectorEnv` puts in one thread: 32 Meta-World envs of 32 different scenes would take
 * about 1 GB of the 2 GiB a wasm instance can address (envs of one scene share its model: far less).
 */
export const MAX_ENVS_PER_THREAD = 32;

function compile(mj: Mujoco, memFile: string, hostFile: string): MjModel {
  let model: MjModel;
  const captured: string[] = [];
  const outOfMemory = (): boolean => captured.some((c) => c.includes('Cannot enlarge memory'));
  capturedErrors = captured;
  try {
    model = mj.MjModel.loadFromXML(memFile);
  } catch (err) {
    const name = (err as { name?: string })?.name ?? String(err);
    if (outOfMemory()) throw new WasmMemoryError(hostFile);
    throw new Error(`MuJoCo could not compile ${hostFile} (${name}${captured.length ? ': ' + captured.join('; ') : ''}); a referenced include, mesh or texture may be missing or malformed`);
  } finally {
    capturedErrors = null;
  }
  if (!model) {
    if (outOfMemory()) throw new WasmMemoryError(hostFile);
    throw new Error(`MuJoCo could not load ${hostFile}${captured.length ? ': ' + captured.join('; ') : ''}`);
  }
  return model;
}

/** Cached name→id lookup (mj_name2id costs about 1.3 µs; call this once at construction). */
export function nameToId(mj: Mujoco, model: MjModel, objType: 'body' | 'joint' | 'geom' | 'site' | 'actuator' | 'sensor' | 'mocap' | 'tendon', name: string): number {
  const types: Record<string, string> = {
    body: 'mjOBJ_BODY',
    joint: 'mjOBJ_JOINT',
    geom: 'mjOBJ_GEOM',
    site: 'mjOBJ_SITE',
    actuator: 'mjOBJ_ACTUATOR',
    sensor: 'mjOBJ_SENSOR',
    tendon: 'mjOBJ_TENDON',
    mocap: 'mjOBJ_BODY',
  };
  const id = mj.mj_name2id(model, mj.mjtObj[types[objType]].value, name);
  if (id < 0) throw new Error(`MuJoCo model has no ${objType} named '${name}'`);
  return id;
}

// ---- Shared models -------------------------------------------------------------------------------

/**
 * Model arrays an environment may rewrite for its own episodes (Meta-World fixtures and goal sites,
 * DMControl target sites and geoms, colours, damping, the Sawyer's weld). Envs sharing a model keep
 * their edits of these private (`ModelLease`); an env that writes any other model array must add it here.
 */
export const PER_ENV_MODEL_FIELDS = [
  'body_pos', 'body_quat', 'body_mass',
  'site_pos', 'site_quat', 'site_size', 'site_rgba',
  'geom_pos', 'geom_quat', 'geom_size', 'geom_rgba', 'geom_friction',
  'dof_damping', 'eq_data',
] as const;

type ModelArray = Float64Array | Float32Array;

/** One compiled scene of this thread, its arrays as compiled, and the lease whose edits it holds now. */
class SharedModel {
  refs = 0;
  deleted = false;
  owner: ModelLease | null = null;
  /** The cache entry this model came from (removed with the model). */
  promise: Promise<SharedModel> | undefined;
  readonly pristine: ModelArray[];
  private readonly views: ModelArray[];

  constructor(
    readonly key: string,
    readonly model: MjModel,
    readonly hostFile: string,
  ) {
    this.views = PER_ENV_MODEL_FIELDS.map((f) => model[f] as ModelArray);
    this.pristine = this.views.map((v) => v.slice());
  }

  /** The live view of field k, re-fetched after the wasm heap grew (old views detach). */
  view(k: number): ModelArray {
    let v = this.views[k];
    if (v.buffer.byteLength === 0) {
      v = this.model[PER_ENV_MODEL_FIELDS[k]] as ModelArray;
      this.views[k] = v;
    }
    return v;
  }
}

/** Per field, the indices where an env's model differs from the compiled scene, and its values there. */
interface ModelEdit {
  field: number;
  idx: Int32Array;
  val: Float64Array;
}

/** True unless a and b are the same number bit for bit (0 vs -0 differ, NaN equals NaN). */
function differs(a: number, b: number): boolean {
  if (a !== b) return a === a || b === b; // eslint-disable-line no-self-compare
  return a === 0 && 1 / a !== 1 / b;
}

/**
 * One env's hold on a shared model. `activate()` before any MuJoCo call or model read: when another
 * lease's edits are in the model it puts the compiled values back where that lease had edits and
 * writes this lease's (cost proportional to the edits: a few numbers). `commit()` after the env
 * wrote the model (end of construction, end of reset) records its edits.
 */
export class ModelLease {
  private edits: ModelEdit[] = [];
  private released = false;

  constructor(private readonly shared: SharedModel) {}

  get model(): MjModel {
    return this.shared.model;
  }

  /** The host path of the scene (for messages). */
  get hostFile(): string {
    return this.shared.hostFile;
  }

  /** Envs in this thread now sharing the model. */
  get sharedBy(): number {
    return this.shared.refs;
  }

  /** Makes the model this env's: the compiled scene plus this env's committed edits. */
  activate(): void {
    const s = this.shared;
    if (s.owner === this) return;
    if (this.released) throw new Error(`MuJoCo model of ${s.hostFile} used after its env was closed`);
    if (s.owner !== null) s.owner.unapply();
    for (const e of this.edits) {
      const v = s.view(e.field);
      for (let i = 0; i < e.idx.length; i++) v[e.idx[i]] = e.val[i];
    }
    s.owner = this;
  }

  /** Records the model's current `PER_ENV_MODEL_FIELDS` values as this env's edits (the lease must be active). */
  commit(): void {
    const s = this.shared;
    if (s.owner !== this) throw new Error(`ModelLease.commit: the model of ${s.hostFile} holds another env's edits (activate() first)`);
    const edits: ModelEdit[] = [];
    for (let k = 0; k < PER_ENV_MODEL_FIELDS.length; k++) {
      const v = s.view(k);
      const p = s.pristine[k];
      let n = 0;
      for (let i = 0; i < v.length; i++) if (differs(v[i], p[i])) n++;
      if (n === 0) continue;
      const idx = new Int32Array(n);
      const val = new Float64Array(n);
      for (let i = 0, j = 0; i < v.length; i++) {
        if (differs(v[i], p[i])) {
          idx[j] = i;
          val[j++] = v[i];
        }
      }
      edits.push({ field: k, idx, val });
    }
    this.edits = edits;
  }

  /** Gives the lease up; the last one deletes the model. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const s = this.shared;
    if (s.owner === this) {
      this.unapply();
      s.owner = null;
    }
    if (--s.refs === 0) {
      s.deleted = true;
      if (s.promise !== undefined && sharedModels.get(s.key) === s.promise) sharedModels.delete(s.key);
      s.model.delete();
    }
  }

  private unapply(): void {
    const s = this.shared;
    for (const e of this.edits) {
      const v = s.view(e.field);
      const p = s.pristine[e.field];
      for (let i = 0; i < e.idx.length; i++) v[e.idx[i]] = p[e.idx[i]];
    }
  }
}

const sharedModels = new Map<string, Promise<SharedModel>>();

/**
 * A lease on the compiled scene `relPath` (see `loadModel`), compiled on first use in this thread and
 * shared by every env holding a lease; the last `release()` deletes it. `privateModel`: compile a
 * model for this lease alone.
 */
export async function acquireModel(relPath: string, opts: { privateModel?: boolean } = {}): Promise<ModelLease> {
  const key = `${assetDir()}::${relPath}${fullTextures() ? '::textures' : ''}`;
  if (opts.privateModel) {
    const own = new SharedModel(key, await loadModel(relPath), path.join(assetDir(), relPath));
    own.refs = 1;
    return new ModelLease(own);
  }
  for (;;) {
    let p = sharedModels.get(key);
    if (p === undefined) {
      const loading: Promise<SharedModel> = loadModel(relPath).then((m) => {
        const s = new SharedModel(key, m, path.join(assetDir(), relPath));
        s.promise = loading;
        return s;
      });
      p = loading;
      sharedModels.set(key, loading);
      loading.catch(() => {
        if (sharedModels.get(key) === loading) sharedModels.delete(key);
      });
    }
    const shared = await p;
    if (shared.deleted) continue; // its last lease was released while we waited
    shared.refs++;
    return new ModelLease(shared);
  }
}

/** A fresh `MjData` for the leased model (out-of-memory becomes a `WasmMemoryError` naming the scene). */
export function makeData(mj: Mujoco, lease: ModelLease): MjData {
  lease.activate();
  const captured: string[] = [];
  capturedErrors = captured;
  try {
    return new mj.MjData(lease.model);
  } catch (err) {
    if (captured.some((c) => c.includes('Cannot enlarge memory')) || /allocate memory/.test(String(err))) throw new WasmMemoryError(lease.hostFile);
    throw err;
  } finally {
    capturedErrors = null;
  }
}
