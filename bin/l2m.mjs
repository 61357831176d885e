#!/usr/bin/env node
// The `l2m` command: runs the TypeScript sources directly through tsx (no build step to forget).
//
// Before anything loads the libtorch addon (and with it OpenBLAS), the BLAS opt-in is decided here:
// `l2m --fast-blas ...` or L2M_FAST_BLAS=1 sets OPENBLAS_CORETYPE to the kernels the CPU's features call
// for, because OpenBLAS reads that variable once, when it loads. A value the user set (OPENBLAS_CORETYPE
// or OPENBLAS_L2_SIZE) is never overridden. Setting process.env here reaches the library (Node calls
// setenv(), and OpenBLAS is loaded later, by the first import of src/torch); should a BLAS already be
// mapped into this process, node is run again with the variable in its environment instead.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const blas = await import('../src/torch/blas-env.ts');

const mismatch = blas.coreTypeCpuMismatch(blas.readCpuFlags(), process.env);
if (mismatch) {
  console.error(`l2m: ${mismatch}`);
  process.exit(1);
}
const { flag, argv } = blas.takeFastBlasFlag(process.argv.slice(2));
process.argv.splice(2, process.argv.length - 2, ...argv); // the command parser never sees --fast-blas
let requested = false;
try {
  requested = blas.fastBlasRequested(flag, process.env);
} catch (err) {
  console.error(`l2m: ${err.message}`);
  process.exit(1);
}
if (requested) {
  const decision = blas.fastBlasCoreType(blas.readCpuFlags(), process.env);
  if (decision.kind === 'kept' || decision.kind === 'unsupported') console.error(decision.message);
  if (decision.kind === 'set') {
    const env = { ...process.env, OPENBLAS_CORETYPE: decision.coreType, [blas.FAST_BLAS_MARKER]: decision.coreType };
    if (blasAlreadyLoaded()) await runAgain(env); // never returns
    process.env.OPENBLAS_CORETYPE = decision.coreType;
    process.env[blas.FAST_BLAS_MARKER] = decision.coreType;
  }
  // 'inherited' (an l2m started by an l2m that chose it): nothing to set; src/cli/main.ts checks it.
}

await import('../src/cli/main.ts');

/** Whether a BLAS (or libtorch, which loads one) is mapped into this process already (e.g. `node -r` preloads). */
function blasAlreadyLoaded() {
  let maps;
  try {
    maps = fs.readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return false; // no /proc: not Linux, where OPENBLAS_CORETYPE does not matter
  }
  return maps.split('\n').some((line) => /\/lib[^/]*(blas|torch_cpu)[^/]*$/.test(line.trim()));
}

/** Runs this command again in a fresh node with `env`, and ends with its exit status. */
async function runAgain(env) {
  const args = [...process.execArgv, ...process.argv.slice(1)];
  if (typeof process.execve === 'function') process.execve(process.execPath, [process.execPath, ...args], env); // Node >= 23.11: same process id
  const child = spawn(process.execPath, args, { stdio: 'inherit', env });
  // Ctrl-C reaches the child through the terminal's process group: forwarding it too would count twice.
  process.on('SIGINT', () => {});
  for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}
