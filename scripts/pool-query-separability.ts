/**
 * Can cosine matching on the frozen model's queries tell the tasks of a sequence apart at all? For each
 * task, the mean (normalised) query of N training windows plays an ideal key; every window of every task
 * is then routed to the nearest ideal key, as evaluation routes to the nearest learned key. Prints the
 * routing matrix (row: the windows' task, column: the task whose ideal key they pick), the share routed
 * to their own task, and the cosine between the tasks' mean queries. High accuracy means an L2M router
 * whose keys reached their tasks' mean queries would keep each task on its own modulator; low accuracy
 * means no key placement can (docs/l2m.md, Results).
 *
 *   npx tsx scripts/pool-query-separability.ts <base checkpoint dir> [--tasks CW10] [--data data/cw10-noisy] [--windows 256] [--seed 1]
 */
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { resolveTasks } from '../src/envs/registry.ts';
import { loadDecisionTransformer } from '../src/model/load.ts';
import { taskQueries } from './pool-queries.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tasks: { type: 'string', default: 'CW10' },
    data: { type: 'string', default: 'data/cw10-noisy' },
    windows: { type: 'string', default: '256' },
    seed: { type: 'string', default: '1' },
  },
});
const base = positionals[0];
if (!base) throw new Error('usage: npx tsx scripts/pool-query-separability.ts <base checkpoint dir> [--tasks CW10] [--data DIR] [--windows N] [--seed S]');
const tasks = await resolveTasks(args.tasks!.split(','));
const { model, stateNorm } = loadDecisionTransformer(base);
model.eval();

// [tasks][windows][d] normalised queries
const queries: number[][][] = tasks.map((task) =>
  torch.tidy(() => taskQueries(model, stateNorm, { data: args.data!, task, windows: Number(args.windows), seed: Number(args.seed) }).tolist() as number[][]),
);
const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
const unit = (v: number[]): number[] => {
  const n = Math.sqrt(dot(v, v));
  return v.map((x) => x / n);
};
const ideal = queries.map((qs) => unit(qs[0]!.map((_, j) => qs.reduce((s, q) => s + q[j]!, 0) / qs.length)));

const short = (t: string): string => t.replace(/-v2$/, '');
const width = Math.max(...tasks.map((t) => short(t).length));
console.log(`${base}: ${args.windows} windows per task from ${args.data}; row = windows' task, column = ideal key picked (share)`);
console.log(`${''.padEnd(width)} ${tasks.map((_, j) => String(j).padStart(5)).join('')}   own`);
let correct = 0;
let total = 0;
queries.forEach((qs, i) => {
  const picks = new Array<number>(tasks.length).fill(0);
  for (const q of qs) {
    const sims = ideal.map((k) => dot(q, k));
    picks[sims.indexOf(Math.max(...sims))]! += 1;
  }
  correct += picks[i]!;
  total += qs.length;
  console.log(`${short(tasks[i]!).padEnd(width)} ${picks.map((p) => (p / qs.length).toFixed(2).padStart(5)).join('')}  ${(picks[i]! / qs.length).toFixed(2)}`);
});
console.log(`routed to their own task: ${(correct / total).toFixed(3)} of ${total} windows`);
console.log(`\ncosine between the tasks' mean queries (own windows' mean cosine to their mean query on the diagonal):`);
tasks.forEach((_, i) => {
  const row = tasks.map((__, j) => (i === j ? queries[i]!.reduce((s, q) => s + dot(q, ideal[i]!), 0) / queries[i]!.length : dot(ideal[i]!, ideal[j]!)));
  console.log(`${short(tasks[i]!).padEnd(width)} ${row.map((v) => v.toFixed(2).padStart(6)).join('')}`);
});
