/**
 * Every environment by name, and the named task sets. Domain modules register their tasks here
 * (`src/envs/metaworld/index.ts`, `src/envs/dmc/index.ts`); users call `makeEnv('hammer-v2')`.
 */
import type { Domain, Env, Policy } from './types.ts';

export interface EnvOptions {
  /** Steps before `truncated` (default: the domain's, 200 Meta-World, 1000 DMControl). */
  maxEpisodeSteps?: number;
  /** Seed of the reset generator (a later `reset(seed)` re-seeds it). */
  seed?: number;
  /** DMControl only: `obs` as the original's 204-d vector ('l2m204', default) or dm_control's flat vector ('flat'). */
  obsLayout?: 'l2m204' | 'flat';
  /**
   * Compile a model of its own instead of sharing the thread's compiled scene with the other envs of
   * that scene (default false; sharing keeps each env's model edits private, see `acquireModel`).
   */
  privateModel?: boolean;
}

export interface TaskEntry {
  name: string;
  domain: Domain;
  aliases?: string[];
  make(opts: EnvOptions): Promise<Env>;
  /** The task's scripted expert, if it has one (Meta-World). */
  scriptedPolicy?(): Policy;
  /** Maps an episode return to the domain's normalised score, if the domain defines one (DMControl). */
  normalizedScore?(episodeReturn: number): number;
}

const tasks = new Map<string, TaskEntry>();
const aliases = new Map<string, string>();
const sets = new Map<string, string[]>();
let loaded: Promise<void> | undefined;

export function registerTask(entry: TaskEntry): void {
  if (tasks.has(entry.name)) throw new Error(`task '${entry.name}' registered twice`);
  tasks.set(entry.name, entry);
  for (const a of entry.aliases ?? []) aliases.set(a, entry.name);
}

export function registerSet(name: string, members: string[]): void {
  sets.set(name, members);
}

/** Loads the domain modules (once); they call registerTask/registerSet on import. */
export function loadRegistry(): Promise<void> {
  loaded ??= (async () => {
    for (const mod of ['./metaworld/index.ts', './dmc/index.ts']) {
      try {
        await import(mod);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || !String(err).includes(mod.slice(2))) throw err;
      }
    }
  })();
  return loaded;
}

function unknownTask(name: string): Error {
  const all = [...tasks.keys(), ...aliases.keys()];
  const close = all.filter((t) => t.includes(name) || name.includes(t.replace(/-v2$/, ''))).slice(0, 5);
  return new Error(`unknown task '${name}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; \`l2m envs list\` shows all tasks and sets`);
}

export async function taskEntry(name: string): Promise<TaskEntry> {
  await loadRegistry();
  const entry = tasks.get(name) ?? tasks.get(aliases.get(name) ?? '');
  if (!entry) throw unknownTask(name);
  return entry;
}

export async function makeEnv(name: string, opts: EnvOptions = {}): Promise<Env> {
  return (await taskEntry(name)).make(opts);
}

/** Expands a comma-separated list of task names and set names (`MT50`, `CW10`, `DMC6`, ...) into canonical task names. */
export async function resolveTasks(spec: string | string[]): Promise<string[]> {
  await loadRegistry();
  const parts = (Array.isArray(spec) ? spec : spec.split(',')).map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  for (const p of parts) {
    const set = sets.get(p) ?? sets.get(p.toUpperCase());
    if (set) out.push(...set);
    else out.push((await taskEntry(p)).name);
  }
  return [...new Set(out)];
}

export async function listTasks(): Promise<TaskEntry[]> {
  await loadRegistry();
  return [...tasks.values()];
}

export async function listSets(): Promise<Map<string, string[]>> {
  await loadRegistry();
  return new Map(sets);
}
