/**
 * How close a pool run's keys came to each task's queries: for every task of a continual L2M / L2P run,
 * the mean cosine of its training windows' queries (`KeyPool.query`, from the frozen embeddings) with the
 * key of the entry its training selected most, and the best keys overall, from the run's last phase
 * snapshot. A key that converged sits near 1; evaluation picks the best key (docs/l2m.md, Results).
 *
 *   npx tsx scripts/pool-key-cosines.ts <continual run dir> [--data data/cw10-noisy] [--windows 256] [--seed 1]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import '../src/adapt/index.ts';
import { loadAdapter } from '../src/adapt/checkpoint.ts';
import { loadDecisionTransformer } from '../src/model/load.ts';
import type { SelectionLog } from '../src/train/continual.ts';
import { taskQueries } from './pool-queries.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { data: { type: 'string', default: 'data/cw10-noisy' }, windows: { type: 'string', default: '256' }, seed: { type: 'string', default: '1' } },
});
const run = positionals[0];
if (!run) throw new Error('usage: npx tsx scripts/pool-key-cosines.ts <continual run dir> [--data DIR] [--windows N] [--seed S]');
const selFile = path.join(run, 'selection.json');
if (!fs.existsSync(selFile)) throw new Error(`${selFile} does not exist: not a pool method's continual run`);
const sel = JSON.parse(fs.readFileSync(selFile, 'utf8')) as SelectionLog;
const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')) as { base: string };
const phases = fs.readdirSync(path.join(run, 'phases')).sort();
if (phases.length === 0) throw new Error(`${run}/phases holds no snapshot yet`);
const { model, stateNorm } = loadDecisionTransformer(config.base);
loadAdapter(path.join(run, 'phases', phases.at(-1)!), model);
model.eval();
const keys = (model as unknown as { adapt: { keys: torch.Tensor } }).adapt.keys;
const kn = torch.F.normalize(keys, 2, 1);
console.log(`${run}: keys of ${phases.at(-1)}, ${args.windows} training windows per task from ${args.data}`);
console.log(`${'task'.padEnd(24)} trained entry: cosine | best keys: entry (cosine)`);
sel.train.forEach((tr, i) => {
  const task = sel.tasks[i]!;
  const mean = torch.tidy(() => {
    const qn = taskQueries(model, stateNorm, { data: args.data!, task, windows: Number(args.windows), seed: Number(args.seed) });
    return Array.from(qn.matmul(kn.t()).mean([0]).toArray() as ArrayLike<number>);
  });
  const row = tr.matrix.counts[0]!;
  const trained = row.indexOf(Math.max(...row));
  const best = mean.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
  console.log(`${task.padEnd(24)} ${String(trained).padStart(2)}: ${mean[trained]!.toFixed(3)} | ${best.map(([v, j]) => `${j} (${v.toFixed(3)})`).join(', ')}`);
});
