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
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
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
  },
});
const tasks = args.tasks!.split(',');
const methods = args.methods!.split(',');
const extra = args.out ? [...overrides, `outDir=${args.out}`] : overrides;

const results = new Map<string, FinetuneResults[]>();
const missing: string[] = [];
for (const method of methods) {
  for (const task of tasks) {
    const cfg = loadFinetuneConfig(path.join('configs', 'finetune', `${method}.yaml`), { task, overrides: extra });
    const dir = finetuneRunDir(cfg);
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
if (missing.length > 0) lines.push('', `Not finished: ${missing.join(', ')}.`);
const table = lines.join('\n') + '\n';
console.log('\n' + table);
if (args.table) fs.writeFileSync(args.table, table);
