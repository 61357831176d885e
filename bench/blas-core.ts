/**
 * The BLAS a bench ran on, printed by every bench: library, OpenBLAS core (its kernels) and
 * OPENBLAS_CORETYPE, and for benches that compare with PyTorch, the core the Python side loaded (the same
 * libblas, reading the same environment, so normally the same). On the development machines Debian's
 * OpenBLAS picks generic kernels unless OPENBLAS_CORETYPE is set (docs/performance.md); run a bench both
 * ways with `OPENBLAS_CORETYPE=SkylakeX npx tsx bench/<name>.ts` (AVX2-only CPUs: Haswell).
 */
import { spawnSync } from 'node:child_process';
import { blasInfo } from '../src/torch/blas.ts';
import { misdetectionWarning, readCpuFlags } from '../src/torch/blas-env.ts';

const PY_CORE = `
import ctypes, torch
cores = set()
for line in open('/proc/self/maps'):
    parts = line.split()
    if len(parts) < 6 or 'blas' not in parts[-1].rsplit('/', 1)[-1]: continue
    try: f = getattr(ctypes.CDLL(parts[-1]), 'openblas_get_corename', None)
    except OSError: f = None
    if f:
        f.restype = ctypes.c_char_p
        cores.add(f().decode())
print(','.join(sorted(cores)) or 'not OpenBLAS')
`;

/** The OpenBLAS core Python PyTorch loads under this environment ('not OpenBLAS', or '?' when it cannot say). */
export function pythonBlasCore(python: string): string {
  const r = spawnSync(python, ['-c', PY_CORE], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '?';
}

/** One line: `BLAS: openblas, core SkylakeX, OPENBLAS_CORETYPE=SkylakeX[, PyTorch side: core SkylakeX]`. */
export function blasCoreLine(opts: { python?: string; usesBlas?: boolean } = {}): string {
  const info = blasInfo();
  const coreType = process.env.OPENBLAS_CORETYPE;
  const parts = [`BLAS: ${info.library ?? 'unknown'}`];
  if (info.library === 'openblas') parts.push(`core ${info.core}`);
  parts.push(`OPENBLAS_CORETYPE=${coreType ?? '(unset: OpenBLAS detects the core)'}`);
  if (process.env.OPENBLAS_L2_SIZE !== undefined) parts.push(`OPENBLAS_L2_SIZE=${process.env.OPENBLAS_L2_SIZE}`);
  if (opts.python) parts.push(`PyTorch side: core ${pythonBlasCore(opts.python)}`);
  let line = parts.join(', ');
  if (misdetectionWarning(info, readCpuFlags(), { ...process.env, L2M_BLAS_WARNING: undefined })) {
    line += ' (generic kernels on an AVX2 / AVX-512 CPU: see docs/performance.md)';
  }
  if (opts.usesBlas === false) line += ' (not used by the timings of this bench)';
  return line;
}

export function printBlasCore(opts: { python?: string; usesBlas?: boolean } = {}): void {
  console.log(blasCoreLine(opts));
}
