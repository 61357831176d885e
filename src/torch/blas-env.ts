/**
 * OpenBLAS kernel choice, decided before the library loads. Pure functions only: this module must not
 * load the addon, because bin/l2m.mjs uses it to set OPENBLAS_CORETYPE first (OpenBLAS reads it once,
 * when it loads). The checks that need the loaded library are in blas.ts.
 *
 * Why: Debian's OpenBLAS 0.3.21 does not recognise some virtual CPUs and runs its generic "Prescott"
 * kernels on AVX-512 hardware, about a fifth of the machine's sgemm speed (docs/performance.md).
 */
import fs from 'node:fs';

/**
 * Core names OpenBLAS 0.3.21 (DYNAMIC_ARCH, x86-64) reports from openblas_get_corename() whose kernels
 * use no AVX2. "Unknown" is left out: it says nothing about the kernels.
 */
export const CORES_WITHOUT_AVX2: readonly string[] = [
  'Katmai', 'Coppermine', 'Northwood', 'Prescott', 'Banias', 'Atom', 'Core2', 'Penryn', 'Dunnington', 'Nehalem',
  'Athlon', 'Opteron', 'Opteron_SSE3', 'Barcelona', 'Nano', 'Sandybridge', 'Bobcat', 'Bulldozer', 'Piledriver', 'Steamroller',
];
/** The x86-64 cores of OpenBLAS 0.3.21 (plus later releases' SapphireRapids) whose kernels use AVX2 or AVX-512. */
export const CORES_WITH_AVX2: readonly string[] = ['Haswell', 'Excavator', 'Zen', 'SkylakeX', 'Cooperlake', 'SapphireRapids'];

/** The variables a machine may set on purpose (older OpenBLAS builds crash or compute wrong results on some CPUs). */
export const USER_BLAS_VARIABLES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/**
 * Set by bin/l2m.mjs beside OPENBLAS_CORETYPE when --fast-blas chose the value, so that the process (and
 * any l2m it starts) knows the value is l2m's, to be checked at first use, and not the user's.
 */
export const FAST_BLAS_MARKER = 'L2M_FAST_BLAS_CORETYPE';

export type FastCoreType = 'SkylakeX' | 'Haswell';

/** Measured on the 2-core development machine (../shared/docs/tensor-engine-notes.md, 2026-12-01), 2 threads. */
export const MEASURED_SPEEDUP: Record<FastCoreType, string> = {
  SkylakeX: 'measured 4.1-4.9x on sgemm (66 -> 283 GFLOP/s at 512^3) and 3.1x on the paper model\'s training update',
  Haswell: 'measured 2.4-2.6x on sgemm (66 -> 165 GFLOP/s at 512^3)',
};

export type Env = Record<string, string | undefined>;

/** The CPU's feature flags from /proc/cpuinfo (the first "flags" line), or null where there is none (not Linux x86). */
export function readCpuFlags(file = '/proc/cpuinfo'): Set<string> | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return parseCpuFlags(text);
}

export function parseCpuFlags(cpuinfo: string): Set<string> | null {
  const line = cpuinfo.split('\n').find((l) => /^flags\s*:/.test(l));
  if (!line) return null;
  return new Set(line.slice(line.indexOf(':') + 1).trim().split(/\s+/).filter(Boolean));
}

/**
 * The OpenBLAS core family the CPU's features call for: AVX-512 (F, with BW/DQ/VL, which OpenBLAS's
 * SkylakeX kernels also use) -> SkylakeX; AVX2 with FMA -> Haswell; otherwise null.
 */
export function coreTypeForCpu(flags: Iterable<string> | null): FastCoreType | null {
  if (!flags) return null;
  const f = new Set(flags);
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every((x) => f.has(x))) return 'SkylakeX';
  if (f.has('avx2') && f.has('fma')) return 'Haswell';
  return null;
}

/** The cores of CORES_WITH_AVX2 whose kernels also need AVX-512 (F, BW, DQ, VL): the rest need AVX2 with FMA. */
const CORES_WITH_AVX512: readonly string[] = ['SkylakeX', 'Cooperlake', 'SapphireRapids'];

/**
 * A clear error for an OPENBLAS_CORETYPE this CPU cannot run, or null. OpenBLAS 0.3.21 does not check a
 * forced core against the CPU: SkylakeX on an AVX2-only CPU ends the process with SIGILL at the first
 * sgemm (seen on this project's machines), with no message. The value is the user's, so it is refused,
 * never changed. Null when the CPU's features cannot be read or the core is not one of CORES_WITH_AVX2.
 */
export function coreTypeCpuMismatch(cpuFlags: Iterable<string> | null, env: Env): string | null {
  const value = env.OPENBLAS_CORETYPE;
  if (value === undefined || value === '' || cpuFlags === null) return null;
  const named = (cores: readonly string[]): boolean => cores.some((c) => c.toLowerCase() === value.trim().toLowerCase());
  const fit = coreTypeForCpu(cpuFlags); // what the CPU runs at best: SkylakeX ⊃ Haswell ⊃ nothing
  const avx512 = named(CORES_WITH_AVX512);
  if (!named(CORES_WITH_AVX2) || fit === 'SkylakeX' || (fit === 'Haswell' && !avx512)) return null;
  const needs = avx512 ? 'AVX-512 (avx512f, avx512bw, avx512dq, avx512vl)' : 'AVX2 with FMA';
  return (
    `OPENBLAS_CORETYPE=${value} selects kernels that need ${needs}, which this CPU does not report (/proc/cpuinfo); ` +
    `OpenBLAS would stop the process with an illegal instruction. Unset it` +
    (fit ? `, set OPENBLAS_CORETYPE=${fit}, or use --fast-blas (L2M_FAST_BLAS=1), which picks ${fit} here` : ', or use --fast-blas (L2M_FAST_BLAS=1), which keeps OpenBLAS\'s own choice here')
  );
}

export type FastBlasDecision =
  /** Set OPENBLAS_CORETYPE to `coreType` (and FAST_BLAS_MARKER beside it). */
  | { kind: 'set'; coreType: FastCoreType }
  /** l2m's own earlier choice, inherited (an l2m started by l2m): nothing to set, still checked. */
  | { kind: 'inherited'; coreType: string }
  /** The user's setting is present: leave both variables exactly as they are. */
  | { kind: 'kept'; variable: string; value: string; message: string }
  /** Nothing the CPU's features call for (or they cannot be read): OpenBLAS keeps its own choice. */
  | { kind: 'unsupported'; message: string };

/**
 * What --fast-blas / L2M_FAST_BLAS=1 does on a CPU with these flags in this environment. Never
 * overrides OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE when either is present (even empty).
 */
export function fastBlasCoreType(cpuFlags: Iterable<string> | null, env: Env): FastBlasDecision {
  const ours = env[FAST_BLAS_MARKER];
  if (ours !== undefined && ours !== '' && env.OPENBLAS_CORETYPE === ours) return { kind: 'inherited', coreType: ours };
  for (const variable of USER_BLAS_VARIABLES) {
    const value = env[variable];
    if (value !== undefined) {
      return {
        kind: 'kept',
        variable,
        value,
        message: `l2m: --fast-blas: ${variable}=${value} is already set; keeping your setting (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are left as they are)`,
      };
    }
  }
  if (cpuFlags === null) return { kind: 'unsupported', message: 'l2m: --fast-blas: cannot read the CPU\'s features (/proc/cpuinfo); OpenBLAS keeps its own choice of kernels' };
  const coreType = coreTypeForCpu(cpuFlags);
  if (!coreType) return { kind: 'unsupported', message: 'l2m: --fast-blas: this CPU reports neither AVX2 nor AVX-512; OpenBLAS keeps its own choice of kernels' };
  return { kind: 'set', coreType };
}

/** Whether the opt-in is on: the --fast-blas flag, or L2M_FAST_BLAS=1 (also true/yes; 0/false/no/empty = off). */
export function fastBlasRequested(flag: boolean, env: Env): boolean {
  if (flag) return true;
  const raw = env.L2M_FAST_BLAS;
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes') return true;
  if (v === '' || v === '0' || v === 'false' || v === 'no') return false;
  throw new Error(`L2M_FAST_BLAS must be 1 or 0, got '${raw}'`);
}

/**
 * Splits the global --fast-blas flag off the command line (anywhere before a lone `--`), so the
 * command parser never sees it.
 */
export function takeFastBlasFlag(argv: readonly string[]): { flag: boolean; argv: string[] } {
  const end = argv.indexOf('--');
  const head = end < 0 ? [...argv] : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end);
  const kept = head.filter((a) => a !== '--fast-blas');
  return { flag: kept.length !== head.length, argv: [...kept, ...tail] };
}

/**
 * The one-line warning for a misdetected OpenBLAS: the library runs a core without AVX2 while the CPU
 * has AVX2 or AVX-512. Null when there is nothing to say: not OpenBLAS, a core with AVX2, a CPU without
 * it, the user set OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, the opt-in is on, or L2M_BLAS_WARNING=0.
 */
export function misdetectionWarning(info: { library: string | null; core: string | null }, cpuFlags: Iterable<string> | null, env: Env): string | null {
  if (env.L2M_BLAS_WARNING === '0') return null;
  if (info.library !== 'openblas' || !info.core) return null;
  if (USER_BLAS_VARIABLES.some((v) => env[v] !== undefined)) return null;
  if (env[FAST_BLAS_MARKER]) return null;
  if (!CORES_WITHOUT_AVX2.some((c) => c.toLowerCase() === info.core!.toLowerCase())) return null;
  const family = coreTypeForCpu(cpuFlags);
  if (!family) return null;
  const isa = family === 'SkylakeX' ? 'AVX-512' : 'AVX2';
  return (
    `l2m: OpenBLAS runs its ${info.core} kernels (no AVX2) on this ${isa} CPU, which it did not recognise; ` +
    `--fast-blas (or L2M_FAST_BLAS=1) selects its ${family} kernels, ${MEASURED_SPEEDUP[family]} ` +
    `(docs/performance.md; L2M_BLAS_WARNING=0 silences this)`
  );
}
