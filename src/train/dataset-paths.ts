/** Where each task's dataset is (Meta-World in one folder, DMControl in another or the same), checked before anything is trained. */
import fs from 'node:fs';
import path from 'node:path';
import { finalPath } from '../data/episode-writer.ts';
import { taskEntry } from '../envs/registry.ts';
import type { Domain } from '../envs/types.ts';

/**
 * `data`: the folders and, for messages, the config fields that name them (e.g. `data.dir` /
 * `data.dmcDir`; `dmcField` absent where the config has no DMControl folder of its own) and what the
 * tasks are. Every missing dataset is named in one error.
 */
export async function datasetPaths(
  data: { dir: string; dmcDir?: string; dmcField?: string; what: string },
  tasks: string[],
): Promise<{ paths: string[]; domains: Domain[] }> {
  const domains: Domain[] = [];
  for (const t of tasks) domains.push((await taskEntry(t)).domain);
  const dirOf = (d: Domain): string => (d === 'dmc' ? (data.dmcDir ?? data.dir) : data.dir);
  const paths = tasks.map((t, i) => finalPath(dirOf(domains[i]!), t));
  const missing = tasks.filter((_, i) => !fs.existsSync(paths[i]!));
  const dmcMissing = missing.filter((t) => domains[tasks.indexOf(t)] === 'dmc');
  if (dmcMissing.length > 0 && data.dmcDir === undefined && data.dmcField !== undefined) {
    const dmc = tasks.filter((_, i) => domains[i] === 'dmc');
    const anyDmc = dmc.some((t) => !dmcMissing.includes(t));
    throw new Error(
      `${data.what} has DMControl tasks (${dmc.join(', ')}) but ${anyDmc ? `no dataset for ${dmcMissing.join(', ')}` : 'no DMControl data'} in ${path.resolve(data.dir)}: ` +
        `set ${data.dmcField} to the folder of their datasets (\`l2m data collect --tasks ${dmcMissing.join(',')} --out <dir>\`, or \`l2m data import\`)`,
    );
  }
  if (missing.length > 0) {
    const where = [...new Set(missing.map((t) => path.resolve(path.dirname(paths[tasks.indexOf(t)]!))))].join(', ');
    throw new Error(`no dataset for ${missing.join(', ')} in ${where} (expected <task>.npz; collect with \`l2m data collect --tasks ${missing.join(',')} --out <dir>\`)`);
  }
  return { paths, domains };
}
