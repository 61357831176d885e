/** `l2m envs`: list the registered tasks and sets, roll out a scripted or random policy. */
import { Command } from 'commander';
import { integer, nonNegative } from './options.ts';
import { setAssetDir } from '../envs/mujoco.ts';
import { randomPolicy, scriptedPolicy, withGaussianNoise } from '../envs/policies.ts';
import { listSets, listTasks, makeEnv, taskEntry } from '../envs/registry.ts';
import { Rng } from '../envs/rng.ts';
import { mean, rollout, std } from '../envs/rollout.ts';
import type { Policy } from '../envs/types.ts';



export interface RolloutSummary {
  task: string;
  policy: 'scripted' | 'random';
  episodes: number;
  noise: number;
  seed: number;
  /** null where the task has no success criterion (DMControl). */
  success_rate: number | null;
  final_success_rate: number | null;
  mean_return: number;
  std_return: number;
  steps: number;
  steps_per_second: number;
  normalized_score?: number;
}

export interface RolloutRequest {
  task: string;
  policy: 'scripted' | 'random';
  episodes: number;
  maxSteps?: number;
  noise: number;
  seed: number;
  stopOnSuccess?: boolean;
}

/** Rolls a policy out on one task and summarises the episodes (the `rollout` command's numbers). */
export async function rolloutSummary(req: RolloutRequest): Promise<RolloutSummary> {
  const entry = await taskEntry(req.task);
  const env = await makeEnv(entry.name, { maxEpisodeSteps: req.maxSteps });
  try {
    const noiseRng = new Rng(req.seed + 0x9e3779b9);
    const base: Policy = req.policy === 'scripted' ? await scriptedPolicy(entry.name) : randomPolicy(env.actionSpace, noiseRng);
    const policy = withGaussianNoise(base, req.noise, env.actionSpace, noiseRng);
    const t0 = performance.now();
    const stats = rollout(env, policy, { seed: req.seed, episodes: req.episodes, stopOnSuccess: req.stopOnSuccess });
    const seconds = (performance.now() - t0) / 1000;
    const returns = stats.map((s) => s.return);
    const reportsSuccess = stats.some((s) => s.reportsSuccess);
    const steps = stats.reduce((a, s) => a + s.steps, 0);
    const summary: RolloutSummary = {
      task: entry.name,
      policy: req.policy,
      episodes: req.episodes,
      noise: req.noise,
      seed: req.seed,
      success_rate: reportsSuccess ? mean(stats.map((s) => s.success)) : null,
      final_success_rate: reportsSuccess ? mean(stats.map((s) => s.finalSuccess)) : null,
      mean_return: mean(returns),
      std_return: std(returns),
      steps,
      steps_per_second: steps / seconds,
    };
    if (entry.normalizedScore) summary.normalized_score = mean(returns.map((r) => entry.normalizedScore!(r)));
    return summary;
  } finally {
    env.close();
  }
}

export function envsCommand(): Command {
  const envs = new Command('envs').description('Environments: list tasks and sets, roll out policies');

  envs
    .command('list')
    .description('list the registered tasks by domain, and the task sets')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const tasks = await listTasks();
      const sets = await listSets();
      const names = new Set(tasks.map((t) => t.name));
      const byDomain: Record<string, string[]> = {};
      for (const t of tasks) (byDomain[t.domain] ??= []).push(t.name);
      for (const list of Object.values(byDomain)) list.sort();
      if (opts.json) {
        console.log(JSON.stringify({ domains: byDomain, sets: Object.fromEntries(sets) }));
        return;
      }
      for (const [domain, list] of Object.entries(byDomain)) {
        console.log(`${domain} (${list.length} tasks):`);
        for (const n of list) {
          const e = tasks.find((t) => t.name === n)!;
          console.log(`  ${n}${e.aliases?.length ? ` (${e.aliases.join(', ')})` : ''}${e.scriptedPolicy ? '  [scripted expert]' : ''}`);
        }
      }
      console.log('sets:');
      for (const [set, members] of sets) {
        const missing = members.filter((m) => !names.has(m));
        console.log(`  ${set} (${members.length}${missing.length ? `, ${missing.length} not yet available` : ''}): ${members.join(', ')}`);
      }
    });

  envs
    .command('rollout')
    .description('run a scripted or random policy on a task and report success and returns')
    .requiredOption('--task <name>', 'task name (e.g. push-v2 or push)')
    .option('--policy <kind>', 'scripted | random', 'scripted')
    .option('--episodes <n>', 'episodes', integer(1), 10)
    .option('--max-steps <n>', "steps per episode (default: the domain's, 200 Meta-World, 1000 DMControl)", integer(1))
    .option('--noise <std>', 'Gaussian action noise, std as a fraction of the action range', nonNegative, 0)
    .option('--seed <s>', 'seed (episode i resets with seed + i)', integer(0), 0)
    .option('--assets <dir>', 'asset directory holding metaworld/ and dm_control/')
    .option('--json', 'print one JSON object')
    .action(async (opts: { task: string; policy: string; episodes: number; maxSteps?: number; noise: number; seed: number; assets?: string; json?: boolean }) => {
      if (opts.policy !== 'scripted' && opts.policy !== 'random') throw new Error(`--policy must be 'scripted' or 'random', got '${opts.policy}'`);
      if (opts.assets) setAssetDir(opts.assets);
      const s = await rolloutSummary({ ...opts, policy: opts.policy });
      if (opts.json) {
        console.log(JSON.stringify(s));
        return;
      }
      const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
      console.log(`${s.task}, ${s.policy} policy, ${s.episodes} episodes (noise ${s.noise}, seed ${s.seed})`);
      if (s.success_rate !== null && s.final_success_rate !== null) {
        console.log(`  success (any step): ${pct(s.success_rate)}   success (last step): ${pct(s.final_success_rate)}`);
      }
      console.log(`  return: ${s.mean_return.toFixed(2)} ± ${s.std_return.toFixed(2)}`);
      if (s.normalized_score !== undefined) console.log(`  normalized score: ${s.normalized_score.toFixed(3)}`);
      console.log(`  ${s.steps} steps, ${Math.round(s.steps_per_second)} steps/s`);
    });

  return envs;
}
