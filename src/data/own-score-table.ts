/**
 * The DMControl score table of the second definition: R_data = our own dataset's mean episode return
 * (R_random stays the original's). Read from a folder of datasets (or one dataset file), or from the
 * JSON `l2m data stats --json` writes. Unfinished collections (`<task>.partial`) are not used: their
 * mean is not the finished data's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DMC_SCORE_REFERENCES, type DmcScoreReference, type DmcScoreTable } from '../envs/dmc/scores.ts';
import { statsOf } from './stats.ts';

/** What the table needs of each entry of `l2m data stats --json`. */
const statsEntrySchema = z.object({
  task: z.string().min(1),
  domain: z.string(),
  partial: z.boolean().default(false),
  returns: z.object({ mean: z.number() }),
});
type StatsEntry = z.infer<typeof statsEntrySchema>;

/** The table from per-task stats entries; `where` names them in messages. */
export function ownDataScoreTable(entries: readonly StatsEntry[], where: string): DmcScoreTable {
  const tasks: Record<string, DmcScoreReference> = {};
  const unfinished: string[] = [];
  for (const e of entries) {
    if (e.domain !== 'dmc') continue;
    if (e.partial) {
      unfinished.push(e.task);
      continue;
    }
    const original = DMC_SCORE_REFERENCES[e.task];
    if (original === undefined) continue; // no R_random: not scored either way
    if (Object.hasOwn(tasks, e.task)) throw new Error(`${where}: task ${e.task} is listed twice`);
    if (!Number.isFinite(e.returns.mean)) throw new Error(`${where}: ${e.task}: mean return ${e.returns.mean} is not a finite number`);
    if (e.returns.mean === original.random) throw new Error(`${where}: ${e.task}: the data's mean return equals R_random (${original.random}): no score can be normalised by it`);
    tasks[e.task] = { random: original.random, data: e.returns.mean };
  }
  const notUsed = unfinished.filter((t) => !Object.hasOwn(tasks, t));
  const note = notUsed.length ? `; unfinished, not used: ${notUsed.join(', ')}` : '';
  return { source: `our own data means (${where}${note})`, tasks };
}

/**
 * The table from `p`: a dataset folder, a dataset `.npz`, or a `.json` file written by
 * `l2m data stats --json`. Errors name the path and what is wrong with it.
 */
export function loadOwnDataScoreTable(p: string): DmcScoreTable {
  if (!fs.existsSync(p)) throw new Error(`DMControl data means: ${path.resolve(p)}: no such file or directory (give a DMControl data folder or the JSON of \`l2m data stats --json\`)`);
  if (fs.statSync(p).isDirectory() || p.endsWith('.npz')) return ownDataScoreTable(statsOf(p), path.resolve(p));
  if (!p.endsWith('.json')) throw new Error(`DMControl data means: ${path.resolve(p)}: expected a data folder, a .npz dataset or a .json file of \`l2m data stats --json\``);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch (err) {
    throw new Error(`${path.resolve(p)}: malformed JSON (${(err as Error).message})`);
  }
  const parsed = z.array(statsEntrySchema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${path.resolve(p)}: not the output of \`l2m data stats --json\` (an array of per-task stats): ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return ownDataScoreTable(parsed.data, path.resolve(p));
}
