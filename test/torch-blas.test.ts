// BLAS kernel choice: the --fast-blas decision (pure), the misdetection warning, blasInfo() and the sgemm
// check, and the `l2m` launcher in child processes. This process's own OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
// are never touched: only children get a controlled environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CORES_WITHOUT_AVX2,
  FAST_BLAS_MARKER,
  coreTypeCpuMismatch,
  coreTypeForCpu,
  fastBlasCoreType,
  fastBlasRequested,
  misdetectionWarning,
  parseCpuFlags,
  readCpuFlags,
  takeFastBlasFlag,
} from '../src/torch/blas-env.ts';
import { SGEMM_TOLERANCE, blasInfo, checkBlasAtStartup, sgemmRelativeError } from '../src/torch/blas.ts';

// As the machine has them, before anything here runs.
const startCoreType = process.env.OPENBLAS_CORETYPE;
const startL2 = process.env.OPENBLAS_L2_SIZE;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const AVX512 = ['sse3', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512dq', 'avx512vl'];
const AVX2 = ['sse3', 'avx', 'avx2', 'fma'];
const OLD = ['sse3', 'ssse3', 'sse4_2', 'avx'];

test('cpu flags: the first flags line of /proc/cpuinfo', () => {
  const flags = parseCpuFlags('processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse3 avx2 fma avx512f\nbugs\t\t: spectre\n');
  assert.deepEqual([...flags!], ['fpu', 'sse3', 'avx2', 'fma', 'avx512f']);
  assert.equal(parseCpuFlags('Features\t: fp asimd\n'), null);
});

test('core family: AVX-512 -> SkylakeX, AVX2 -> Haswell, else none', () => {
  assert.equal(coreTypeForCpu(AVX512), 'SkylakeX');
  assert.equal(coreTypeForCpu(AVX2), 'Haswell');
  assert.equal(coreTypeForCpu(['avx2']), null); // AVX2 without FMA: Haswell kernels need both
  assert.equal(coreTypeForCpu(['avx2', 'fma', 'avx512f']), 'Haswell'); // AVX-512F alone (Knights Landing): no SkylakeX kernels
  assert.equal(coreTypeForCpu(OLD), null);
  assert.equal(coreTypeForCpu(null), null);
});

test('a forced core the CPU cannot run is refused with the fix, never changed', () => {
  const sky = coreTypeCpuMismatch(AVX2, { OPENBLAS_CORETYPE: 'SkylakeX' });
  assert.match(sky!, /OPENBLAS_CORETYPE=SkylakeX selects kernels that need AVX-512.*illegal instruction.*OPENBLAS_CORETYPE=Haswell/);
  assert.match(coreTypeCpuMismatch(AVX2, { OPENBLAS_CORETYPE: 'cooperlake' })!, /need AVX-512/); // OpenBLAS reads it case-insensitively
  assert.match(coreTypeCpuMismatch(OLD, { OPENBLAS_CORETYPE: 'Zen' })!, /need AVX2 with FMA.*keeps OpenBLAS's own choice/);
  assert.match(coreTypeCpuMismatch(OLD, { OPENBLAS_CORETYPE: 'Haswell' })!, /need AVX2 with FMA/);
  for (const [flags, core] of [[AVX512, 'SkylakeX'], [AVX512, 'Haswell'], [AVX2, 'Haswell'], [AVX2, 'Zen'], [OLD, 'Prescott'], [AVX2, 'NoSuchCore']] as const) {
    assert.equal(coreTypeCpuMismatch(flags, { OPENBLAS_CORETYPE: core }), null, `${core}`);
  }
  assert.equal(coreTypeCpuMismatch(AVX2, {}), null);
  assert.equal(coreTypeCpuMismatch(AVX2, { OPENBLAS_CORETYPE: '' }), null);
  assert.equal(coreTypeCpuMismatch(null, { OPENBLAS_CORETYPE: 'SkylakeX' }), null); // features unknown: OpenBLAS's call
});

test('fastBlasCoreType: sets only when neither OPENBLAS_CORETYPE nor OPENBLAS_L2_SIZE is present', () => {
  assert.deepEqual(fastBlasCoreType(AVX512, {}), { kind: 'set', coreType: 'SkylakeX' });
  assert.deepEqual(fastBlasCoreType(AVX2, { PATH: '/bin' }), { kind: 'set', coreType: 'Haswell' });
  for (const env of [{ OPENBLAS_CORETYPE: 'Haswell' }, { OPENBLAS_CORETYPE: '' }, { OPENBLAS_L2_SIZE: '1048576' }, { OPENBLAS_CORETYPE: 'Prescott', OPENBLAS_L2_SIZE: '0' }]) {
    const d = fastBlasCoreType(AVX512, env);
    assert.equal(d.kind, 'kept', JSON.stringify(env));
    assert.match((d as { message: string }).message, /already set; keeping your setting/);
  }
  const kept = fastBlasCoreType(AVX512, { OPENBLAS_CORETYPE: 'Nehalem' });
  assert.ok(kept.kind === 'kept' && kept.variable === 'OPENBLAS_CORETYPE' && kept.value === 'Nehalem');
  // l2m's own choice, inherited by an l2m it started: not the user's, not set again.
  assert.deepEqual(fastBlasCoreType(AVX512, { OPENBLAS_CORETYPE: 'SkylakeX', [FAST_BLAS_MARKER]: 'SkylakeX' }), { kind: 'inherited', coreType: 'SkylakeX' });
  // A marker that does not match the value: the value is the user's.
  assert.equal(fastBlasCoreType(AVX512, { OPENBLAS_CORETYPE: 'Haswell', [FAST_BLAS_MARKER]: 'SkylakeX' }).kind, 'kept');
  assert.equal(fastBlasCoreType(OLD, {}).kind, 'unsupported');
  assert.equal(fastBlasCoreType(null, {}).kind, 'unsupported');
});

test('opt-in: --fast-blas anywhere before --, or L2M_FAST_BLAS', () => {
  assert.deepEqual(takeFastBlasFlag(['--fast-blas', 'envs', 'list']), { flag: true, argv: ['envs', 'list'] });
  assert.deepEqual(takeFastBlasFlag(['pretrain', '--fast-blas', '--resume']), { flag: true, argv: ['pretrain', '--resume'] });
  assert.deepEqual(takeFastBlasFlag(['x', '--', '--fast-blas']), { flag: false, argv: ['x', '--', '--fast-blas'] });
  assert.deepEqual(takeFastBlasFlag(['envs', 'list']), { flag: false, argv: ['envs', 'list'] });
  assert.equal(fastBlasRequested(true, {}), true);
  assert.equal(fastBlasRequested(false, {}), false);
  assert.equal(fastBlasRequested(false, { L2M_FAST_BLAS: '1' }), true);
  assert.equal(fastBlasRequested(false, { L2M_FAST_BLAS: '0' }), false);
  assert.equal(fastBlasRequested(false, { L2M_FAST_BLAS: '' }), false);
  assert.throws(() => fastBlasRequested(false, { L2M_FAST_BLAS: 'fast' }), /L2M_FAST_BLAS must be 1 or 0/);
});

test('misdetection warning: a core without AVX2 on an AVX2 / AVX-512 CPU, once, unless silenced or set', () => {
  const prescott = { library: 'openblas', core: 'Prescott' };
  const w = misdetectionWarning(prescott, AVX512, {});
  assert.ok(w && !w.includes('\n'));
  assert.match(w!, /Prescott/);
  assert.match(w!, /--fast-blas/);
  assert.match(w!, /SkylakeX/);
  assert.match(w!, /4\.1-4\.9x/);
  assert.match(misdetectionWarning({ library: 'openblas', core: 'Sandybridge' }, AVX2, {})!, /Haswell/);
  assert.equal(misdetectionWarning(prescott, AVX512, { L2M_BLAS_WARNING: '0' }), null);
  assert.equal(misdetectionWarning(prescott, AVX512, { OPENBLAS_CORETYPE: 'Prescott' }), null);
  assert.equal(misdetectionWarning(prescott, AVX512, { OPENBLAS_L2_SIZE: '1048576' }), null);
  assert.equal(misdetectionWarning(prescott, OLD, {}), null);
  assert.equal(misdetectionWarning(prescott, null, {}), null);
  assert.equal(misdetectionWarning({ library: 'openblas', core: 'SkylakeX' }, AVX512, {}), null);
  assert.equal(misdetectionWarning({ library: 'openblas', core: 'Haswell' }, AVX512, {}), null);
  assert.equal(misdetectionWarning({ library: 'mkl', core: null }, AVX512, {}), null);
  for (const core of ['Core2', 'Penryn', 'Dunnington', 'Nehalem', 'Atom', 'Sandybridge', 'Bulldozer', 'Piledriver', 'Steamroller']) {
    assert.ok(CORES_WITHOUT_AVX2.includes(core), core);
  }
});

test('blasInfo() names the library and, for OpenBLAS, its core and configuration', () => {
  const info = blasInfo();
  assert.ok(info.library === null || typeof info.library === 'string');
  if (info.library === 'openblas') {
    assert.ok(info.core && info.core.length > 0);
    assert.match(info.config!, /OpenBLAS/);
  } else {
    assert.equal(info.core, null);
  }
});

test('sgemm against float64 is within the tolerance (this process\'s own kernels)', () => {
  const err = sgemmRelativeError();
  assert.ok(err > 0 && err <= SGEMM_TOLERANCE, String(err));
  // Without the marker, the start-up check only warns, and never throws.
  const lines: string[] = [];
  checkBlasAtStartup({ env: {}, cpuFlags: null, write: (l) => lines.push(l) });
  assert.deepEqual(lines, []);
});

test('start-up check after --fast-blas: the kernels asked for, computing correctly, or a clear error', () => {
  const env = { OPENBLAS_CORETYPE: 'SkylakeX', [FAST_BLAS_MARKER]: 'SkylakeX' };
  const skx = { library: 'openblas', core: 'SkylakeX', config: 'OpenBLAS 0.3.21 DYNAMIC_ARCH SkylakeX' };
  const lines: string[] = [];
  checkBlasAtStartup({ env, info: skx, sgemmError: () => 3e-7, write: (l) => lines.push(l) });
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /runs its SkylakeX kernels .*relative error 3\.0e-7/);
  assert.throws(() => checkBlasAtStartup({ env, info: { ...skx, core: 'Prescott' }, write: () => {} }), /OPENBLAS_CORETYPE=SkylakeX was set before OpenBLAS loaded, but it runs its 'Prescott' kernels/);
  assert.throws(() => checkBlasAtStartup({ env, info: skx, sgemmError: () => 0.3, write: () => {} }), /relative error 3\.00e-1 against float64 \(allowed 0\.00001\): they are not safe/);
  assert.throws(() => checkBlasAtStartup({ env, info: skx, sgemmError: () => NaN, write: () => {} }), /not safe/);
  const mkl: string[] = [];
  checkBlasAtStartup({ env, info: { library: 'mkl', core: null, config: null }, write: (l) => mkl.push(l) });
  assert.match(mkl[0]!, /not OpenBLAS; OPENBLAS_CORETYPE changes nothing/);
  // The warning path, on a misdetected library.
  const warn: string[] = [];
  checkBlasAtStartup({ env: {}, info: { library: 'openblas', core: 'Prescott', config: '' }, cpuFlags: new Set(AVX512), write: (l) => warn.push(l) });
  assert.equal(warn.length, 1);
  assert.match(warn[0]!, /Prescott kernels \(no AVX2\) on this AVX-512 CPU/);
});

// ---- the launcher, in children (their environment is controlled; this process's is not changed) ----

/** This process's environment without the BLAS variables (the children's base). */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, L2M_BLAS_WARNING: '0' };
  for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', FAST_BLAS_MARKER, 'L2M_FAST_BLAS']) delete env[k];
  return { ...env, ...extra };
}
function l2m(args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): { status: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, path.join(root, 'bin', 'l2m.mjs'), ...args], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}
const machineSetsBlas = process.env.OPENBLAS_CORETYPE !== undefined || process.env.OPENBLAS_L2_SIZE !== undefined;
const expected = coreTypeForCpu(readCpuFlags());
const isOpenBlas = blasInfo().library === 'openblas';

test('l2m --fast-blas: the child runs the kernels the CPU calls for, checked', { skip: machineSetsBlas ? 'this machine sets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE' : !isOpenBlas ? 'BLAS is not OpenBLAS' : false }, () => {
  const r = l2m(['--fast-blas', 'envs', 'list'], childEnv({}));
  assert.equal(r.status, 0, r.stderr);
  if (expected) assert.match(r.stderr, new RegExp(`OpenBLAS runs its ${expected} kernels \\(OPENBLAS_CORETYPE=${expected}\\); sgemm checked`));
  else assert.match(r.stderr, /neither AVX2 nor AVX-512/);
  // The same through the variable.
  const v = l2m(['envs', 'list'], childEnv({ L2M_FAST_BLAS: '1' }));
  assert.equal(v.status, 0, v.stderr);
  if (expected) assert.match(v.stderr, new RegExp(`OPENBLAS_CORETYPE=${expected}\\); sgemm checked`));
});

test('l2m --fast-blas keeps a set OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE', { skip: process.arch !== 'x64' ? 'x86-64 only' : false }, () => {
  // The machine's own value when it has one; else Prescott, which every x86-64 CPU runs.
  const coreType = process.env.OPENBLAS_CORETYPE ?? 'Prescott';
  const r = l2m(['--fast-blas', 'envs', 'list'], childEnv({ OPENBLAS_CORETYPE: coreType, ...(process.env.OPENBLAS_L2_SIZE !== undefined ? { OPENBLAS_L2_SIZE: process.env.OPENBLAS_L2_SIZE } : {}) }));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /already set; keeping your setting/);
  assert.doesNotMatch(r.stderr, /OpenBLAS runs its/);
  if (!machineSetsBlas) {
    const l2 = l2m(['--fast-blas', 'envs', 'list'], childEnv({ OPENBLAS_L2_SIZE: '1048576' }));
    assert.equal(l2.status, 0, l2.stderr);
    assert.match(l2.stderr, /OPENBLAS_L2_SIZE=1048576 is already set; keeping your setting/);
    assert.doesNotMatch(l2.stderr, /OpenBLAS runs its/);
  }
});

test('l2m --fast-blas runs node again when OpenBLAS is loaded already (node -r preloads the addon)', { skip: machineSetsBlas || !isOpenBlas || !expected ? 'needs OpenBLAS, an AVX2 CPU and no machine BLAS variables' : false }, () => {
  const addon = path.join(root, 'native', 'build', 'Release', 'l2m_torch.node');
  const r = l2m(['--fast-blas', 'envs', 'list'], childEnv({}), ['-r', addon]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`OpenBLAS runs its ${expected} kernels`));
  const bad = l2m(['--fast-blas', 'envs', 'nosuchcommand'], childEnv({}), ['-r', addon]);
  assert.equal(bad.status, 1); // the exit status comes through
});

// A core this CPU lacks the instructions for: AVX-512 kernels on a CPU without AVX-512.
const unrunnable = readCpuFlags() !== null && expected !== 'SkylakeX' ? 'SkylakeX' : null;
test('l2m refuses an OPENBLAS_CORETYPE this CPU cannot run, before OpenBLAS loads (no SIGILL)', { skip: process.arch !== 'x64' ? 'x86-64 only' : !unrunnable ? 'this CPU runs every OpenBLAS x86-64 core' : false }, () => {
  const r = l2m(['envs', 'list'], childEnv({ OPENBLAS_CORETYPE: unrunnable! }));
  assert.equal(r.signal, null, `killed by ${r.signal}`);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^l2m: OPENBLAS_CORETYPE=${unrunnable} selects kernels that need`));
  // The library's own loader refuses it too (scripts and benches that import src/torch directly).
  const lib = spawnSync(process.execPath, ['--import', 'tsx', '-e', "await import('./src/torch/native.ts')"], { cwd: root, env: childEnv({ OPENBLAS_CORETYPE: unrunnable! }), encoding: 'utf8' });
  assert.equal(lib.signal, null, `killed by ${lib.signal}`);
  assert.notEqual(lib.status, 0);
  assert.match(lib.stderr, /selects kernels that need/);
});

test('this process\'s BLAS variables were not changed by the tests', () => {
  assert.equal(process.env.OPENBLAS_CORETYPE, startCoreType);
  assert.equal(process.env.OPENBLAS_L2_SIZE, startL2);
});
