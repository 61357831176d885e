/**
 * Policies that collectors run. Any `Policy` (obs → action) works; a `CollectPolicy` may also hear
 * about episode starts (with a generator seeded for that episode, so runs resume exactly) and about
 * each transition (for agents that learn while collecting, e.g. SAC), and it names itself for the
 * dataset's metadata.
 *
 * Built-in kinds, by `PolicySpec` (a plain object, so worker processes can rebuild the policy):
 *   `scripted`: the task's scripted expert with the noise schedule (Meta-World);
 *   `random`:   uniform actions over the action space;
 *   `auto`:     `scripted` where the task has an expert, else `random`;
 *   `sac`:      a SAC agent trained while collecting: the dataset is its replay buffer (`src/rl/`).
 * Other kinds register a factory with `registerCollectPolicy`.
 */
import { scriptedPolicy } from '../envs/policies.ts';
import { taskEntry } from '../envs/registry.ts';
import type { Rng } from '../envs/rng.ts';
import type { BoxSpace, Env, Policy } from '../envs/types.ts';
import { DEFAULT_NOISE_SCHEDULE, episodeProgress, noiseAt, validateSchedule, type NoiseSchedule } from './noise-schedule.ts';

export interface EpisodeContext {
  task: string;
  episode: number;
  episodes: number;
  /** The environment's reset seed for this episode. */
  seed: number;
  /** A generator seeded for this episode only. */
  rng: Rng;
}

export interface Transition {
  obs: Float64Array;
  action: Float32Array;
  reward: number;
  nextObs: Float64Array;
  terminated: boolean;
  truncated: boolean;
}

export interface CollectPolicy extends Policy {
  /** Recorded as the dataset's `collector` metadata. */
  readonly info: { kind: string; settings: Record<string, unknown> };
  beginEpisode?(ctx: EpisodeContext): void;
  observe?(t: Transition): void;
}

/** Serialisable description of a collection policy. */
export type PolicySpec = { kind: 'scripted'; schedule?: NoiseSchedule } | { kind: 'random' } | { kind: string; [key: string]: unknown };

/** The collection run a policy is made for (learning policies keep their own state beside the dataset). */
export interface CollectRun {
  out: string;
  seed: number;
  episodes: number;
  resume?: boolean;
  force?: boolean;
}

export type PolicyFactory = (spec: PolicySpec, task: string, env: Env, run?: CollectRun) => Promise<CollectPolicy> | CollectPolicy;

const factories = new Map<string, PolicyFactory>();

/** Makes policy kind `kind` available to `collect` and `l2m data collect --policy kind`. */
export function registerCollectPolicy(kind: string, factory: PolicyFactory): void {
  factories.set(kind, factory);
}

export function collectPolicyKinds(): string[] {
  return [...factories.keys()];
}

export async function makeCollectPolicy(spec: PolicySpec, task: string, env: Env, run?: CollectRun): Promise<CollectPolicy> {
  const f = factories.get(spec.kind);
  if (!f) throw new Error(`unknown collection policy '${spec.kind}' (known: ${collectPolicyKinds().join(', ')})`);
  return f(spec, task, env, run);
}

function checkBounded(space: BoxSpace, what: string): void {
  for (let i = 0; i < space.low.length; i++) {
    if (!Number.isFinite(space.low[i]) || !Number.isFinite(space.high[i])) throw new Error(`${what}: the action space must be bounded`);
  }
}

/** Uniform random actions. */
export function randomCollectPolicy(space: BoxSpace): CollectPolicy {
  checkBounded(space, 'random policy');
  let rng: Rng | undefined;
  return {
    info: { kind: 'random', settings: {} },
    beginEpisode(ctx) {
      rng = ctx.rng;
    },
    act() {
      if (!rng) throw new Error('random policy: act() before beginEpisode()');
      return rng.uniformBox(space.low, space.high);
    },
  };
}

/**
 * An expert made noisy by a schedule: in episode e, each step's action is, with probability
 * `randomProb`, a uniform random action; otherwise the expert's action plus N(0, (std · range)²)
 * per dimension (range = high − low, as `withGaussianNoise`), clipped to the action space.
 */
export function noisyExpertPolicy(expert: Policy, space: BoxSpace, schedule: NoiseSchedule = DEFAULT_NOISE_SCHEDULE, kind = 'scripted'): CollectPolicy {
  checkBounded(space, 'noisy expert');
  const knots = validateSchedule(schedule);
  let rng: Rng | undefined;
  let std = 0;
  let randomProb = 0;
  const { low, high } = space;
  return {
    info: { kind, settings: { schedule: knots } },
    beginEpisode(ctx) {
      rng = ctx.rng;
      ({ std, randomProb } = noiseAt(knots, episodeProgress(ctx.episode, ctx.episodes)));
    },
    act(obs) {
      if (!rng) throw new Error('noisy expert: act() before beginEpisode()');
      if (randomProb > 0 && rng.random() < randomProb) return rng.uniformBox(low, high);
      const a = Float64Array.from(expert.act(obs));
      for (let i = 0; i < a.length; i++) {
        if (std > 0) a[i] += rng.normal() * std * (high[i] - low[i]);
        a[i] = a[i] < low[i] ? low[i] : a[i] > high[i] ? high[i] : a[i];
      }
      return a;
    },
  };
}

registerCollectPolicy('random', (_spec, _task, env) => randomCollectPolicy(env.actionSpace));
registerCollectPolicy('scripted', async (spec, task, env) => {
  const schedule = (spec as { schedule?: NoiseSchedule }).schedule ?? DEFAULT_NOISE_SCHEDULE;
  return noisyExpertPolicy(await scriptedPolicy(task), env.actionSpace, schedule);
});

/** `auto`: the task's scripted expert with the noise schedule if it has one (Meta-World), else random. */
registerCollectPolicy('auto', async (spec, task, env, run) => {
  const entry = await taskEntry(task);
  return makeCollectPolicy({ ...spec, kind: entry.scriptedPolicy ? 'scripted' : 'random' }, task, env, run);
});
/** `sac`: a SAC agent learning while it collects; the dataset is its replay buffer (src/rl/sac-collect.ts). */
registerCollectPolicy('sac', async (spec, task, env, run) => (await import('../rl/sac-collect.ts')).sacCollectPolicy(spec, task, env, run));
