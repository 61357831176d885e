/**
 * What the data layer needs to know about a task: its domain, action bounds and native observation
 * layout. Read from the environment when the task is registered; otherwise inferred from the name.
 */
import { makeEnv, taskEntry } from '../envs/registry.ts';
import type { Domain, Env } from '../envs/types.ts';
import { MODEL_STATE_DIM, type ObservationLayout } from './layout.ts';

export interface TaskInfo {
  name: string;
  domain: Domain;
  /** From the environment; undefined when the task is not registered in this build. */
  actionLow?: number[];
  actionHigh?: number[];
  observation?: ObservationLayout;
}

/** DMControl domains of the suite (used to recognise `domain-task` names without the registry). */
const DMC_DOMAINS = ['acrobot', 'ball_in_cup', 'cartpole', 'cheetah', 'finger', 'fish', 'hopper', 'humanoid', 'manipulator', 'pendulum', 'point_mass', 'reacher', 'swimmer', 'walker'];

export function domainFromName(name: string): Domain | undefined {
  if (/-v[23]$/.test(name)) return 'metaworld';
  const dom = name.split('-')[0];
  if (DMC_DOMAINS.includes(dom) && name.includes('-')) return 'dmc';
  return undefined;
}

/** The layout of the observations an environment returns. */
export function observationLayoutOf(env: Env): ObservationLayout {
  const dim = env.observationSpace.shape[0];
  if (env.domain === 'metaworld') return { kind: 'padded', dim };
  // DMControl: either the 204-d model vector already, or the flat concatenation of named parts.
  const dmc = env as Env & { obsLayout?: string; observationLayout?: ReadonlyArray<{ key: string; size: number }> };
  if (dmc.obsLayout !== 'flat' && dim === MODEL_STATE_DIM) return { kind: 'model' };
  const parts = dmc.observationLayout;
  if (!parts || parts.length === 0) throw new Error(`${env.name}: the DMControl environment does not expose 'observationLayout' (needed to place its observation in the 204-d layout)`);
  const total = parts.reduce((s, p) => s + p.size, 0);
  if (total !== dim) throw new Error(`${env.name}: observationLayout covers ${total} values but the observation has ${dim}`);
  return { kind: 'dmc-parts', parts: parts.map((p) => ({ name: p.key, size: p.size })) };
}

export function taskInfoFromEnv(env: Env): TaskInfo {
  return {
    name: env.name,
    domain: env.domain,
    actionLow: [...env.actionSpace.low],
    actionHigh: [...env.actionSpace.high],
    observation: observationLayoutOf(env),
  };
}

/** Looks the task up in the registry (building its environment once); falls back to its name. */
export async function describeTask(name: string, domainOverride?: Domain): Promise<TaskInfo> {
  let canonical: string | undefined;
  try {
    canonical = (await taskEntry(name)).name;
  } catch (err) {
    const domain = domainOverride ?? domainFromName(name);
    if (!domain) throw err;
    return { name, domain };
  }
  const env = await makeEnv(canonical, { obsLayout: 'flat' });
  try {
    const info = taskInfoFromEnv(env);
    if (domainOverride && domainOverride !== info.domain) throw new Error(`task '${name}' is a ${info.domain} task, not ${domainOverride}`);
    return info;
  } finally {
    env.close();
  }
}
