/** The `l2m` command line. Each command group lives in its own file and is registered here. */
import { Command, CommanderError } from 'commander';

const program = new Command();
program
  .name('l2m')
  .description('Pre-train a multi-domain Decision Transformer on Meta-World and DMControl, then adapt it without forgetting.')
  .version('0.1.0')
  // Read by bin/l2m.mjs before anything loads OpenBLAS (it removes the flag); listed here for --help.
  .option('--fast-blas', 'use the OpenBLAS kernels this CPU\'s features call for (OPENBLAS_CORETYPE=SkylakeX on AVX-512, Haswell on AVX2), checked at start; also L2M_FAST_BLAS=1; a set OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE is kept (docs/performance.md)')
  .showHelpAfterError();

// Command groups (one file each):
program.addCommand((await import('./envs.ts')).envsCommand());
program.addCommand((await import('./data.ts')).dataCommand());
program.addCommand((await import('./train.ts')).pretrainCommand());
program.addCommand((await import('./train.ts')).evalCommand());
program.addCommand((await import('./adapt.ts')).finetuneCommand());
program.addCommand((await import('./adapt.ts')).adaptCommand());
program.addCommand((await import('./demo.ts')).demoCommand());
program.addCommand((await import('./rl.ts')).rlCommand());
for (const c of (await import('./continual.ts')).continualCommands()) program.addCommand(c);

try {
  // bin/l2m.mjs removes --fast-blas; still there means it did not run, and OpenBLAS is loaded already.
  if ((await import('../torch/blas-env.ts')).takeFastBlasFlag(process.argv.slice(2)).flag) {
    throw new Error('--fast-blas works only through bin/l2m.mjs (`npx l2m` or `node bin/l2m.mjs`), which sets it up before OpenBLAS loads');
  }
  // The command modules above have loaded the addon: check the BLAS kernels --fast-blas chose, or say
  // once that OpenBLAS misdetected the CPU (src/torch/blas.ts).
  (await import('../torch/blas.ts')).checkBlasAtStartup();
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  console.error(`l2m: ${(err as Error).message}`);
  if (process.env.L2M_DEBUG) console.error((err as Error).stack);
  process.exit(1);
}
