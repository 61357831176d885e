/**
 * Which BLAS runs the matrix products, and for OpenBLAS which kernels ("core") it chose. The decision
 * of which kernels to ask for is made before the library loads (blas-env.ts, bin/l2m.mjs); this module
 * needs the loaded addon: it reports and checks the result.
 */
import { native } from './native.ts';
import { tensor } from './creation.ts';
import { tidy } from './scope.ts';
import { FAST_BLAS_MARKER, misdetectionWarning, readCpuFlags, type Env } from './blas-env.ts';

export interface BlasInfo {
  /** 'openblas', 'mkl', 'blis', or null when no known BLAS answers. */
  library: string | null;
  /** OpenBLAS's openblas_get_corename(), e.g. 'Prescott', 'Haswell', 'SkylakeX'; null for other libraries. */
  core: string | null;
  /** OpenBLAS's openblas_get_config(), e.g. 'OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64'. */
  config: string | null;
}

export function blasInfo(): BlasInfo {
  const r = native.blasInfo() as { library: string; core: string | null; config: string | null };
  return { library: r.library || null, core: r.core, config: r.config };
}

/** Deterministic values in [-1, 1), rounded to float32. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Checks the BLAS's single-precision matrix product against a float64 product computed in JavaScript
 * from the same float32 inputs: a 256 x 256 x 256 product, and an odd-sized one with a transposed
 * operand (the layout nn.Linear uses), through libtorch's mm (which calls sgemm). Returns the larger
 * relative error ||C - C64|| / ||C64|| (Frobenius); float32 kernels give about 1e-7.
 */
export function sgemmRelativeError(): number {
  let worst = 0;
  for (const [m, k, n, transposed] of [[256, 256, 256, false], [255, 257, 129, true]] as const) {
    const a = values(m * k, 1 + m);
    const b = values(k * n, 7 + n); // [k, n] row-major, or [n, k] when transposed
    const c = tidy(() => {
      const ta = tensor(a, { shape: [m, k] });
      const tb = transposed ? tensor(b, { shape: [n, k] }).t() : tensor(b, { shape: [k, n] });
      return ta.mm(tb).toFloat64Array();
    });
    let num = 0;
    let den = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let ref = 0;
        for (let p = 0; p < k; p++) ref += a[i * k + p]! * (transposed ? b[j * k + p]! : b[p * n + j]!);
        const d = c[i * n + j]! - ref;
        num += d * d;
        den += ref * ref;
      }
    }
    worst = Math.max(worst, Math.sqrt(num / den));
  }
  return worst;
}

export const SGEMM_TOLERANCE = 1e-5;

/**
 * Start-up check of the `l2m` command, run once the addon is loaded:
 * - when --fast-blas chose OPENBLAS_CORETYPE (FAST_BLAS_MARKER is set beside it), checks that OpenBLAS
 *   runs those kernels and that they compute correctly (sgemmRelativeError() <= SGEMM_TOLERANCE), and
 *   throws a clear error otherwise; says in one line what runs;
 * - otherwise prints the one-line misdetection warning where it applies (misdetectionWarning()).
 */
export function checkBlasAtStartup(
  opts: { env?: Env; cpuFlags?: Set<string> | null; write?: (line: string) => void; info?: BlasInfo; sgemmError?: () => number } = {},
): void {
  const env = opts.env ?? process.env;
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const info = opts.info ?? blasInfo();
  const ours = env[FAST_BLAS_MARKER];
  if (ours && env.OPENBLAS_CORETYPE === ours) {
    if (info.library !== 'openblas') {
      write(`l2m: --fast-blas: the BLAS is ${info.library ?? 'not one l2m knows'}, not OpenBLAS; OPENBLAS_CORETYPE changes nothing`);
      return;
    }
    if ((info.core ?? '').toLowerCase() !== ours.toLowerCase()) {
      throw new Error(
        `--fast-blas: OPENBLAS_CORETYPE=${ours} was set before OpenBLAS loaded, but it runs its '${info.core}' kernels ` +
          `(${info.config}); this OpenBLAS build may not have ${ours} kernels. Run without --fast-blas / L2M_FAST_BLAS.`,
      );
    }
    const err = (opts.sgemmError ?? sgemmRelativeError)();
    if (!(err <= SGEMM_TOLERANCE)) {
      throw new Error(
        `--fast-blas: OpenBLAS's ${ours} kernels computed a float32 matrix product with relative error ${err.toExponential(2)} ` +
          `against float64 (allowed ${SGEMM_TOLERANCE}): they are not safe on this machine. Run without --fast-blas / L2M_FAST_BLAS.`,
      );
    }
    write(`l2m: --fast-blas: OpenBLAS runs its ${info.core} kernels (OPENBLAS_CORETYPE=${ours}); sgemm checked against float64: relative error ${err.toExponential(1)}`);
    return;
  }
  const warning = misdetectionWarning(info, opts.cpuFlags === undefined ? readCpuFlags() : opts.cpuFlags, env);
  if (warning) write(warning);
}
