/** `l2m rl`: reinforcement-learning agents (SAC) that generate the DMControl data. */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { integer } from './options.ts';
import { setAssetDir } from '../envs/mujoco.ts';
import type { SacConfig } from '../rl/sac-config.ts';


/** `--config` value: inline JSON or a JSON file with SAC hyper-parameters. */
export function parseConfig(spec: string | undefined, flag = '--config'): Partial<SacConfig> {
  if (spec === undefined) return {};
  const text = spec.trim().startsWith('{') ? spec : fs.readFileSync(spec, 'utf8');
  try {
    return JSON.parse(text) as Partial<SacConfig>;
  } catch (err) {
    throw new Error(`${flag}: not valid JSON (${(err as Error).message})`);
  }
}

function trainSacCommand(): Command {
  return new Command('train-sac')
    .description('train SAC (twin critics, target networks, learned temperature, tanh-Gaussian actor) on one task; its replay buffer is what `l2m data collect --policy sac` stores')
    .requiredOption('--task <name>', 'task (e.g. cartpole-swingup, walker-stand)')
    .option('--steps <n>', 'environment steps', integer(1), 1_000_000)
    .option('--seed <n>', 'run seed', integer(0), 1)
    .option('--out <dir>', 'run folder (default runs/sac/<task>-s<seed>)')
    .option('--eval-every <n>', 'evaluate the deterministic policy every n steps (0: never)', integer(0), 10_000)
    .option('--eval-episodes <n>', 'episodes per evaluation', integer(1), 10)
    .option('--checkpoint-every <n>', 'checkpoint at the first episode end after every n steps (default: --eval-every)', integer(1))
    .option('--max-episode-steps <n>', "episode length (default: the task's)", integer(1))
    .option('--config <json|file>', 'SAC hyper-parameters to override, e.g. \'{"hidden":[1024,1024],"batchSize":1024,"actorLr":1e-4}\'')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'replace an existing run in --out')
    .option('--quiet', 'print evaluations only')
    .option('--assets <dir>', 'MuJoCo asset directory (holding metaworld/ and dm_control/)')
    .action(async (o) => {
      if (o.assets) setAssetDir(o.assets);
      const { trainSac } = await import('../rl/train-sac.ts');
      const { sacConfig } = await import('../rl/sac-config.ts');
      const config = sacConfig(parseConfig(o.config));
      const out: string = o.out ?? path.join('runs', 'sac', `${o.task}-s${o.seed}`);
      let stop = false;
      const onSigint = (): void => {
        if (stop) process.exit(130);
        stop = true;
        process.stderr.write('\nl2m: stopping after this episode with a checkpoint (Ctrl-C again to quit now); continue with --resume\n');
      };
      process.on('SIGINT', onSigint);
      const t0 = Date.now();
      const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
      if (!o.quiet) console.error(`train-sac ${o.task}: ${o.steps} steps, seed ${o.seed} -> ${path.resolve(out)}\nconfig ${JSON.stringify(config)}`);
      const r = await trainSac({
        task: o.task,
        steps: o.steps,
        seed: o.seed,
        out,
        evalEvery: o.evalEvery,
        evalEpisodes: o.evalEpisodes,
        checkpointEvery: o.checkpointEvery,
        maxEpisodeSteps: o.maxEpisodeSteps,
        resume: o.resume,
        force: o.force,
        config,
        shouldStop: () => stop,
        onEpisode: (e) => {
          if (o.quiet) return;
          const extra = e.alpha === undefined ? '' : ` critic ${e.criticLoss!.toFixed(3)} alpha ${e.alpha.toFixed(4)} entropy ${e.entropy?.toFixed(2) ?? '-'}`;
          console.error(`step ${e.step} episode ${e.episode} return ${e.return.toFixed(1)}${extra} (${e.stepsPerSecond.toFixed(1)} steps/s, ${elapsed()})`);
        },
        onEval: (step, e) => {
          const score = e.normalizedScore === null ? '' : ` score ${e.normalizedScore.toFixed(3)}`;
          console.log(`eval step ${step}: return ${e.meanReturn.toFixed(1)} ± ${e.stdReturn.toFixed(1)}${score} (${elapsed()})`);
        },
      });
      process.off('SIGINT', onSigint);
      console.log(`${r.stopped ? 'stopped' : 'done'}: ${r.steps} steps, ${r.episodes} episodes -> ${path.join(out, 'eval.csv')}${r.stopped ? ' (continue with --resume)' : ''}`);
      if (r.stopped) process.exitCode = 130;
    });
}

export function rlCommand(): Command {
  return new Command('rl').description('reinforcement learning: SAC agents that generate the DMControl datasets').addCommand(trainSacCommand());
}
