/**
 * Loading MuJoCo (the official WebAssembly build) and scene files from an asset directory.
 *
 * The wasm module is loaded once per thread. Scenes are read from the user's asset directory
 * (default `../shared/assets` beside the repository, or `L2M_ASSETS`), copied into Emscripten's
 * in-memory file system and compiled there; errors name the file, since MuJoCo's own carry no text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import loadMujoco from 'mujoco-js';

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

/** The MuJoCo wasm module of this thread (loaded on first use, about 150 ms). */
export function getMujoco(): Promise<Mujoco> {
  mujocoPromise ??= (loadMujoco as (m?: object) => Promise<Mujoco>)({
    printErr: (text: string) => {
      if (capturedErrors) capturedErrors.push(text);
      else console.error(text);
    },
  });
  return mujocoPromise;
}

const copiedTrees = new Set<string>();

/**
 * Copies `subdir` of the asset directory into MEMFS (once per process) so that `include`, `mesh`
 * and `texture` references resolve. Returns the MEMFS path of that subdir.
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
  const key = `${src}->${memRoot}`;
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
      else if (entry.isFile()) mj.FS.writeFile(`${mem}/${entry.name}`, fs.readFileSync(full));
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
 * The WebAssembly build addresses at most 2 GiB per thread, and a Meta-World env (its own model with
 * meshes, plus its data arena) takes about 36 MB of it: a few dozen envs fill one thread.
 */
export class WasmMemoryError extends Error {
  constructor(hostFile: string) {
    super(`MuJoCo ran out of WebAssembly memory (2 GiB per thread) loading ${hostFile}: too many environments in one thread; spread them over more worker threads (VectorEnv keeps at most ${MAX_ENVS_PER_THREAD} per thread) or run fewer at once`);
    this.name = 'WasmMemoryError';
  }
}

/** Environments `VectorEnv` puts in one thread: 32 Meta-World envs take about 1.2 GB of the 2 GiB a wasm instance can address. */
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
