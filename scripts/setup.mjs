#!/usr/bin/env node
// Idempotent set-up for a fresh clone: system packages (libtorch, reference PyTorch), npm modules,
// the native libtorch addon. Plain JavaScript with no dependencies: it runs before `npm install`.
// Flags: --native-only (just rebuild the addon if stale), --force-native (always rebuild).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const log = (msg) => console.log(`[setup] ${msg}`);

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`[setup] failed: ${cmd} ${argv.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function systemPackages() {
  const wanted = [];
  if (!process.env.LIBTORCH) wanted.push('libtorch-dev');
  // OpenBLAS: without it Debian's libtorch and python3-torch use the reference BLAS, ~30x slower.
  wanted.push('python3-torch', 'python3-numpy', 'libopenblas0-pthread');
  const hasDpkg = spawnSync('dpkg-query', ['--version']).status === 0;
  if (!hasDpkg) {
    if (!process.env.LIBTORCH) {
      console.error('[setup] this is not a Debian-like system: set LIBTORCH to a libtorch distribution (or a PyTorch install\'s torch/ folder) and install PyTorch + numpy for the reference checks.');
      process.exit(1);
    }
    return;
  }
  const missing = wanted.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`[setup] missing system packages: ${missing.join(' ')}\n[setup] install them as root, then run this again:\n    sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  log(`installing ${missing.join(' ')} (apt)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

function npmModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  const stale = !fs.existsSync(marker) || (fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(marker).mtimeMs + 1000);
  if (!stale) return;
  log('installing npm modules');
  run('npm', [fs.existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error']);
}

function newestMtime(dir, exts) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'build') newest = Math.max(newest, newestMtime(full, exts));
    else if (exts.some((x) => e.name.endsWith(x))) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

// The addon is built in a staging copy of native/ and then renamed into place, never written over:
// running processes (a training job, its workers) have the old file mapped, and overwriting it in place
// crashes them; a rename gives the new build a new inode while they keep the old one. It also means a
// failed build leaves the previous addon working, and a process starting mid-build finds one.
function nativeAddon() {
  const nativeDir = path.join(root, 'native');
  if (!fs.existsSync(path.join(nativeDir, 'binding.gyp'))) return;
  const out = path.join(nativeDir, 'build', 'Release', 'l2m_torch.node');
  const stampFile = path.join(nativeDir, 'build', 'libtorch-path.txt');
  const libtorch = process.env.LIBTORCH ?? '';
  const sources = newestMtime(nativeDir, ['.cc', '.h', '.gyp']);
  const upToDate = fs.existsSync(out) && fs.statSync(out).mtimeMs >= sources && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === libtorch;
  if (upToDate && !args.has('--force-native')) return;
  log(`building the libtorch addon (${libtorch ? 'LIBTORCH=' + libtorch : 'Debian libtorch'}); this takes a minute or two`);
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-native-'));
  try {
    fs.cpSync(nativeDir, stage, { recursive: true, filter: (src) => path.relative(nativeDir, src).split(path.sep)[0] !== 'build' });
    const nodeGyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    // Use the running Node's own headers when it ships them (node-gyp would otherwise download them).
    const nodeDir = path.resolve(path.dirname(process.execPath), '..');
    const nodeDirArg = fs.existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h')) ? [`--nodedir=${nodeDir}`] : [];
    // binding.gyp resolves node-addon-api with require() from its own directory: point it at ours.
    const nodePath = [path.join(root, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
    const r = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--loglevel=warn', `--jobs=${Math.max(1, Math.min(2, nproc()))}`, ...nodeDirArg], {
      stdio: 'inherit',
      cwd: stage,
      env: { ...process.env, NODE_PATH: nodePath },
    });
    if (r.status !== 0) {
      console.error(`[setup] failed: node-gyp rebuild in ${stage} (exit ${r.status ?? r.signal}); the previous addon, if any, is unchanged`);
      fs.rmSync(stage, { recursive: true, force: true });
      process.exit(r.status || 1);
    }
    fs.mkdirSync(path.dirname(out), { recursive: true });
    installAtomically(path.join(stage, 'build', 'Release', 'l2m_torch.node'), out);
    const stampTmp = `${stampFile}.${process.pid}.new`;
    fs.writeFileSync(stampTmp, libtorch);
    fs.renameSync(stampTmp, stampFile);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

// Copy beside the destination (same file system), then rename over it: one atomic step, new inode.
function installAtomically(src, dest) {
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.new`);
  try {
    fs.copyFileSync(src, tmp);
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function nproc() {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || 1;
  } catch {
    return 1;
  }
}

if (!args.has('--native-only')) {
  systemPackages();
  npmModules();
}
nativeAddon();
