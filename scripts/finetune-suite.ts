/**
 * The single-task comparison of docs/finetuning.md: every method of configs/finetune/ on the same tasks
 * with the same budget, one run after another (finished runs are skipped, interrupted ones resumed),
 * then the table: mean new-task success, mean retention against the base, trainable parameters, time
 * per update, per method; and the per-task scores.
 *
 *   npx tsx scripts/finetune-suite.ts [--tasks hammer-v2,push-wall-v2,faucet-close-v2] [--methods full,lora,...] [--out runs/finetune] [--table docs/finetune-table.md] [key=value ...]
 *
 * key=value overrides go to every run alike (e.g. train.steps=1000). `--report-only` trains nothing: it
 * writes the table of the finished runs and lists the missing ones (scripts/campaign.sh runs the jobs).
 *
 * `--final-episodes N` adds a second measure of the new task, with less noise than the runs' own 10
 * episodes: every finished run's adapted model, and the base, each evaluated once more on its task with
 * N episodes from `--final-seed` (default 2000: episode seeds no run's own evaluations use), by `l2m eval`
 * in a child process. Each result is kept beside its run (`eval-final-<N>-<seed>.json`, the base's in
 * `<out>/.base-final/`), so a later call evaluates only what is new.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { integer } from '../src/cli/options.ts';
import { writeFileAtomic } from '../src/torch/atomic-write.ts';
import { loadFinetuneConfig } from '../src/train/finetune-config.ts';
import { finetune, finetuneRunDir, type FinetuneResults } from '../src/train/finetune.ts';
import { mean } from '../src/eval/metrics.ts';

const { values: args, positionals: overrides } = parseArgs({
  allowPositionals: true,
  options: {
    tasks: { type: 'string', default: 'hammer-v2,push-wall-v2,faucet-close-v2' },
    methods: { type: 'string', default: 'full,last-layers,head,adapter,lora,ia3,prompt,prefix,ptuning-v2' },
    out: { type: 'string' },
    table: { type: 'string' },
    'report-only': { type: 'boolean', default: false },
    'final-episodes': { type: 'string' },
    'final-seed': { type: 'string', default: '2000' },
  },
});
const intArg = (name: string, v: string, min: number): number => {
  try {
    return integer(min)(v);
  } catch (err) {
    throw new Error(`--${name}: ${(err as Error).message}`);
  }
};
const finalEpisodes = args['final-episodes'] === undefined ? undefined : intArg('final-episodes', args['final-episodes'], 1);
const finalSeed = intArg('final-seed', args['final-seed']!, 0);
const tasks = args.tasks!.split(',');
const methods = args.methods!.split(',');
const extra = args.out ? [...overrides, `outDir=${args.out}`] : overrides;

const results = new Map<string, FinetuneResults[]>();
const runDirs = new Map<FinetuneResults, string>();
let outDir = '';
const missing: string[] = [];
for (const method of methods) {
  for (const task of tasks) {
    const cfg = loadFinetuneConfig(path.join('configs', 'finetune', `${method}.yaml`), { task, overrides: extra });
    const dir = finetuneRunDir(cfg);
    outDir = path.resolve(cfg.outDir);
    const file = path.join(dir, 'results.json');
    let r: FinetuneResults;
    if (fs.existsSync(file)) {
      r = JSON.parse(fs.readFileSync(file, 'utf8')) as FinetuneResults;
      console.log(`${method} ${task}: done (${dir})`);
    } else if (args['report-only']) {
      missing.push(`${method} ${task} (${dir})`);
      continue;
    } else {
      const started = performance.now();
      console.log(`${method} ${task}: ${fs.existsSync(dir) ? 'resuming' : 'starting'} ${dir}`);
      r = await finetune(cfg, { resume: fs.existsSync(path.join(dir, 'config.json')), hooks: { onLog: (l) => console.log(`  ${l}`) } });
      console.log(`  new task ${r.newTask.score.toFixed(2)} (base ${r.newTask.base.toFixed(2)}), retention ${r.retention?.mean.toFixed(3)} (base ${r.retention?.baseMean.toFixed(3)}), ${((performance.now() - started) / 60000).toFixed(1)} min`);
    }
    results.set(method, [...(results.get(method) ?? []), r]);
    runDirs.set(r, dir);
  }
}

interface EvalJson {
  mean_score: number;
  episodes: number;
  tasks: { task: string; score: number }[];
}
/** `l2m eval ... --json` of one task (the base, or the base with a run's adapter), kept in `file`. */
function evalOnce(file: string, base: string, task: string, adapter?: string): number {
  if (!fs.existsSync(file)) {
    const cli = path.join(import.meta.dirname, '..', 'bin', 'l2m.mjs');
    const argv = [cli, 'eval', '--checkpoint', base, ...(adapter ? ['--adapter', adapter] : []), '--tasks', task, '--episodes', String(finalEpisodes), '--seed', String(finalSeed), '--workers', '1', '--json'];
    console.log(`evaluating ${adapter ?? base} on ${task}: ${finalEpisodes} episodes from seed ${finalSeed}`);
    const out = execFileSync(process.execPath, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { L2M_THREADS: '1', L2M_BLAS_THREADS: '1', ...process.env } });
    const r = JSON.parse(out) as EvalJson;
    if (r.episodes !== finalEpisodes || r.tasks.length !== 1 || r.tasks[0]!.task !== task) throw new Error(`${file}: l2m eval returned another evaluation than asked (${r.episodes} episodes of ${r.tasks.map((t) => t.task).join(',')})`);
    writeFileAtomic(file, JSON.stringify(r) + '\n');
  }
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as EvalJson).tasks[0]!.score;
}
const finalScores = new Map<FinetuneResults, number>();
const baseFinal = new Map<string, number>();
if (finalEpisodes !== undefined) {
  const tag = `${finalEpisodes}-${finalSeed}`;
  for (const rs of results.values()) {
    for (const r of rs) {
      const dir = runDirs.get(r)!;
      finalScores.set(r, evalOnce(path.join(dir, `eval-final-${tag}.json`), r.base, r.task, dir));
      if (!baseFinal.has(r.task)) baseFinal.set(r.task, evalOnce(path.join(outDir, '.base-final', `${r.task}-${tag}.json`), r.base, r.task));
    }
  }
}

const f = (x: number | undefined, d = 3): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const lines = [
  `Tasks: ${tasks.join(', ')}. Same budget, data and evaluation episodes for every method${extra.length ? ` (overrides: ${extra.join(' ')})` : ''}.`,
  '',
  '| method | new-task success (mean) | retention on the pre-training tasks (mean) | base retention | trainable params | ms per update |',
  '|---|---|---|---|---|---|',
];
for (const [method, rs] of results) {
  lines.push(
    `| ${method}${rs.length < tasks.length ? ` (${rs.length} of ${tasks.length} tasks)` : ''} | ${f(mean(rs.map((r) => r.newTask.score)))} | ${f(mean(rs.map((r) => r.retention?.mean ?? Number.NaN)))} | ${f(mean(rs.map((r) => r.retention?.baseMean ?? Number.NaN)))} | ${rs[0]!.trainableParams.toLocaleString('en-US')} | ${f(1000 * mean(rs.map((r) => r.secondsPerUpdate)), 1)} |`,
  );
}
lines.push('', `| method | ${tasks.join(' | ')} |`, `|---|${tasks.map(() => '---').join('|')}|`);
for (const [method, rs] of results) {
  const cell = (task: string): string => {
    const r = rs.find((x) => x.task === task);
    return r ? `${f(r.newTask.score, 2)} (base ${f(r.newTask.base, 2)})` : 'not finished';
  };
  lines.push(`| ${method} | ${tasks.map(cell).join(' | ')} |`);
}
if (finalEpisodes !== undefined && finalScores.size > 0) {
  lines.push(
    '',
    `The new task once more, ${finalEpisodes} episodes from seed ${finalSeed} (the final adapted model of each run, and the base):`,
    '',
    `| method | mean | ${tasks.join(' | ')} |`,
    `|---|---|${tasks.map(() => '---').join('|')}|`,
  );
  // A row's mean only where every task has its score.
  const row = (label: string, cells: (number | undefined)[]): string =>
    `| ${label} | ${f(cells.every((x) => x !== undefined) ? mean(cells as number[]) : undefined)} | ${cells.map((x) => f(x, 2)).join(' | ')} |`;
  lines.push(row('base', tasks.map((t) => baseFinal.get(t))));
  for (const [method, rs] of results) {
    lines.push(row(method, tasks.map((t) => {
      const r = rs.find((x) => x.task === t);
      return r && finalScores.get(r);
    })));
  }
}
if (missing.length > 0) lines.push('', `Not finished: ${missing.join(', ')}.`);
const table = lines.join('\n') + '\n';
console.log('\n' + table);
if (args.table) fs.writeFileSync(args.table, table);
