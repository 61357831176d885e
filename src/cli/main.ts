/** The `l2m` command line. Each command group lives in its own file and is registered here. */
import { Command, CommanderError } from 'commander';

const program = new Command();
program
  .name('l2m')
  .description('Pre-train a multi-domain Decision Transformer on Meta-World and DMControl, then adapt it without forgetting.')
  .version('0.1.0')
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

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  console.error(`l2m: ${(err as Error).message}`);
  if (process.env.L2M_DEBUG) console.error((err as Error).stack);
  process.exit(1);
}
