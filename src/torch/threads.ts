/**
 * Thread settings. Defaults (chosen at load, see native.ts): BLAS threads = cores, libtorch
 * intra-op threads = 1 on machines with <= 2 cores (else = cores). Override with L2M_THREADS /
 * L2M_BLAS_THREADS or these functions.
 */
import { native } from './native.ts';

/** libtorch intra-op threads (torch.set_num_threads). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads(): expected a positive integer, got ${n}`);
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads() as number;
}
/** BLAS threads (OpenBLAS / MKL / BLIS, whichever libtorch uses). Returns the library's name, or '' if none answered. */
export function setBlasThreads(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setBlasThreads(): expected a positive integer, got ${n}`);
  return native.setBlasThreads(n) as string;
}
/** BLAS threads in use, or -1 when the BLAS cannot say. */
export function getBlasThreads(): number {
  return native.getBlasThreads() as number;
}
