/**
 * Loads the libtorch addon (native/build/Release/l2m_torch.node) once, after fixing thread
 * settings: OpenBLAS reads OPENBLAS_NUM_THREADS when it loads, so that is set first.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreTypeCpuMismatch, readCpuFlags } from './blas-env.ts';

/** An opaque libtorch tensor reference owned by the addon. */
export type Handle = { readonly __tensorHandle: unique symbol };

// The addon's functions are thin forwards to ATen; src/torch gives them types and checks.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NativeAddon = Record<string, (...args: any[]) => any>;

const addonPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/build/Release/l2m_torch.node');

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

/** Default thread counts: BLAS uses every core; intra-op parallelism is 1 on <= 2 cores (measured fastest). */
export function defaultThreads(): { intraOp: number; blas: number } {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return {
    intraOp: envInt('L2M_THREADS') ?? (cores <= 2 ? 1 : cores),
    blas: envInt('L2M_BLAS_THREADS') ?? cores,
  };
}

function load(): NativeAddon {
  if (!fs.existsSync(addonPath)) {
    throw new Error(
      `the libtorch addon is not built (${path.relative(process.cwd(), addonPath) || addonPath} is missing): run \`npm run setup\` ` +
        '(needs Debian\'s libtorch-dev, or LIBTORCH pointing at a libtorch distribution)',
    );
  }
  const mismatch = coreTypeCpuMismatch(readCpuFlags(), process.env);
  if (mismatch) throw new Error(mismatch);
  const threads = defaultThreads();
  if (process.env.OPENBLAS_NUM_THREADS === undefined) process.env.OPENBLAS_NUM_THREADS = String(threads.blas);
  const require = createRequire(import.meta.url);
  const addon = require(addonPath) as NativeAddon;
  addon.setNumThreads(threads.intraOp);
  addon.setBlasThreads(threads.blas);
  // Tensors live until their tidy scope ends, so a step's buffers are freed together; with glibc's
  // defaults the next step mmaps and page-faults them in again (~7% of a training step). Keep the
  // memory in the heap instead (L2M_MALLOC_TUNING=0 turns this off).
  if (process.env.L2M_MALLOC_TUNING !== '0') addon.tuneMalloc(32 * 2 ** 20, 2 ** 31 - 1);
  return addon;
}

export const native: NativeAddon = load();
