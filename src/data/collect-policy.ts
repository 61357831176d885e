/**
 * Policies that collectors run. Any `Policy` (obs → action) works; a `CollectPolicy` may also hear
 * about episode starts (with a generator seeded for that episode, so runs resume exactly) and about
 * each transition (for agents that learn while collecting, e.g. SAC), and it names itself for the
 * dataset's metadata.
 *
 * Built-in kinds, by `PolicySpec` (a plain object, so worker processes can rebuild the policy):
 *   `scripted`: the task's scripted expert with the noise schedule (Meta-World), `afterSuccess`
 *               `continue` (the default here; `l2m data collect` defaults to `hold`) or `hold`;
 *   `random`:   uniform actions over the action space;
 *   `auto`:     `scripted` where the task has an expert, else `random`;
 *   `sac`:      a SAC agent trained while collecting: the dataset is its replay buffer (`src/rl/`).
 * Other kinds register a factory with `registerCollectPolicy` (`sac`: `src/rl/sac-collect.ts`, loaded by
 * the command line).
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
  /** The environment's `info.success` after this step, where it reports one (Meta-World). */
  success?: boolean;
}

export interface CollectPolicy extends Policy {
  /** Recorded as the dataset's `collector` metadata. */
  readonly info: { kind: string; settings: Record<string, unknown> };
  /**
   * The action to store for the last `act()` when it is not the one executed (e.g. the expert's own
   * action behind a noisy one); undefined: store the executed action.
   */
  label?(): ArrayLike<number> | undefined;
  beginEpisode?(ctx: EpisodeContext): void;
  observe?(t: Transition): void;
}

/** Serialisable description of a collection policy. */
export type PolicySpec = { kind: 'scripted'; schedule?: NoiseSchedule; labels?: ActionLabels; afterSuccess?: AfterSuccess } | { kind: 'random' } | { kind: string; [key: string]: unknown };

/** The collection run a policy is made for (learning policies keep their own state beside the dataset). */
export interface CollectRun {
  out: string;
  seed: number;
  episodes: number;
  resume?: boolean;
  force?: boolean;
}

export type PolicyFactory = (spec: PolicySpec, task: string, env: Env, run?: CollectRun) => Promise<CollectPolicy> | CollectPolicy;

const factories = new Map<string, { factory: PolicyFactory; module?: string }>();

/**
 * Makes policy kind `kind` available to `collect` and `l2m data collect --policy kind`. A kind defined
 * above the data layer (SAC, `src/rl/sac-collect.ts`) registers itself when its module loads and passes
 * that module's `import.meta.url`: `collectTasks`' worker processes import it before collecting with it.
 */
export function registerCollectPolicy(kind: string, factory: PolicyFactory, module?: string): void {
  factories.set(kind, { factory, ...(module ? { module } : {}) });
}

/** The module that registered `kind`, if it was registered from outside this file. */
export function collectPolicyModule(kind: string): string | undefined {
  return factories.get(kind)?.module;
}

export function collectPolicyKinds(): string[] {
  return [...factories.keys()];
}

export async function makeCollectPolicy(spec: PolicySpec, task: string, env: Env, run?: CollectRun): Promise<CollectPolicy> {
  const f = factories.get(spec.kind);
  if (!f) throw new Error(`unknown collection policy '${spec.kind}' (known: ${collectPolicyKinds().join(', ')})`);
  const policy = await f.factory(spec, task, env, run);
  if ((spec as { labels?: unknown }).labels === 'expert' && !policy.label) {
    throw new Error(`${task}: expert action labels need a scripted expert, and the '${policy.info.kind}' policy collecting this task has none`);
  }
  return policy;
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
 * Which action a noisy expert's dataset stores: `executed`, the noisy action the environment received
 * (a replay buffer's view, the default), or `expert`, the expert's own action at that state while the
 * noisy one drives the environment (DART, Laskey et al. 2017): the data then visits the off-path states
 * that noise causes and labels each with the expert's correction, without the noise in the labels.
 */
export type ActionLabels = 'executed' | 'expert';
export const ACTION_LABELS: readonly ActionLabels[] = ['executed', 'expert'];

/**
 * What a noisy scripted expert does at a step that follows a step the environment reported as a
 * success (`info.success`): `continue`, the expert acts as always (the behaviour before this option,
 * and the default of the API; `l2m data collect` defaults to `hold`); `hold`, the hand holds the
 * solved state with the hold action (`HoldAction`, Meta-World's: `metaWorldHold`, a brake on the
 * hand, gripper kept). The schedule's noise and random actions still apply. Only the previous step's
 * success counts: once the environment stops reporting success the expert acts again, so a hand that
 * drifts out of the solved state (a reach, a button) is brought back. Several upstream experts aim past
 * the goal and push on after success (a button or handle beyond its travel, a plate or a puck slid
 * on): with `continue` their episodes end in failure at step 200, the step the evaluation reads
 * (measured in docs/metaworld-experts.md).
 */
export type AfterSuccess = 'hold' | 'continue';
export const AFTER_SUCCESS: readonly AfterSuccess[] = ['hold', 'continue'];

/** The action that holds a solved state, from the observation and the expert's last own action this episode (if any). */
export type HoldAction = (obs: Float64Array, lastExpert: Float64Array | undefined) => ArrayLike<number>;

/** Meta-World's mocap moves by action · 1/100 per step (`ACTION_SCALE` of the Sawyer env). */
const MOCAP_STEPS_PER_UNIT = 100;

/**
 * Meta-World's hold: the hand is braked, the gripper kept. The position deltas move the mocap back by
 * the hand's displacement over the last step (observation 0..2 is the hand now, 18..20 the hand a step
 * before), so the mocap settles where the hand stops; the gripper value is the expert's last (0 if it
 * has not acted this episode). Measured against freezing the mocap (position deltas 0), which lets the
 * hand run on to a mocap that the experts' proportional control left centimetres ahead of it (it creeps
 * past a reach goal, slides off a button): docs/metaworld-experts.md.
 */
export const metaWorldHold: HoldAction = (obs, lastExpert) => {
  if (obs.length !== 39) throw new Error(`Meta-World hold action: observations have 39 values (hand at 0..2, previous hand at 18..20), got ${obs.length}`);
  const a = new Float64Array(4);
  for (let i = 0; i < 3; i++) a[i] = -MOCAP_STEPS_PER_UNIT * (obs[i] - obs[18 + i]);
  a[3] = lastExpert?.[3] ?? 0;
  return a;
};

/**
 * An expert made noisy by a schedule: in episode e, each step's action is, with probability
 * `randomProb`, a uniform random action; otherwise the expert's action plus N(0, (std · range)²)
 * per dimension (range = high − low, as `withGaussianNoise`), clipped to the action space.
 * With `labels: 'expert'` the stored action is the expert's (clipped), not the executed one; with
 * `afterSuccess: 'hold'` the expert's action after a successful step is `holdAction` (`AfterSuccess`).
 */
export function noisyExpertPolicy(
  expert: Policy,
  space: BoxSpace,
  schedule: NoiseSchedule = DEFAULT_NOISE_SCHEDULE,
  kind = 'scripted',
  labels: ActionLabels = 'executed',
  afterSuccess: AfterSuccess = 'continue',
  holdAction: HoldAction = metaWorldHold,
): CollectPolicy {
  checkBounded(space, 'noisy expert');
  if (!ACTION_LABELS.includes(labels)) throw new Error(`noisy expert: action labels must be one of ${ACTION_LABELS.join(', ')}, got '${String(labels)}'`);
  if (!AFTER_SUCCESS.includes(afterSuccess)) throw new Error(`noisy expert: after-success behaviour must be one of ${AFTER_SUCCESS.join(', ')}, got '${String(afterSuccess)}'`);
  const knots = validateSchedule(schedule);
  let rng: Rng | undefined;
  let std = 0;
  let randomProb = 0;
  let expertAction: Float64Array | undefined;
  /** The previous step reported success (hold mode acts on it). */
  let solved = false;
  /** The expert's last own action this episode (its gripper value is kept while holding). */
  let lastExpert: Float64Array | undefined;
  const { low, high } = space;
  const clip = (a: Float64Array): Float64Array => {
    for (let i = 0; i < a.length; i++) a[i] = a[i] < low[i] ? low[i] : a[i] > high[i] ? high[i] : a[i];
    return a;
  };
  return {
    // Older datasets have no `labels` setting: they hold executed actions, so it is only recorded when it differs.
    // The same for `afterSuccess`: only `hold` is recorded.
    info: { kind, settings: { schedule: knots, ...(labels === 'executed' ? {} : { labels }), ...(afterSuccess === 'continue' ? {} : { afterSuccess }) } },
    beginEpisode(ctx) {
      rng = ctx.rng;
      ({ std, randomProb } = noiseAt(knots, episodeProgress(ctx.episode, ctx.episodes)));
      solved = false;
      lastExpert = undefined;
    },
    observe(t) {
      solved = t.success === true;
    },
    act(obs) {
      if (!rng) throw new Error('noisy expert: act() before beginEpisode()');
      // The expert is asked only when its action is used (executed or stored), as before labels existed.
      const random = randomProb > 0 && rng.random() < randomProb;
      const hold = afterSuccess === 'hold' && solved;
      let raw: Float64Array | undefined;
      if (hold && !(random && labels === 'executed')) raw = Float64Array.from(holdAction(obs, lastExpert));
      else if (!(random && labels === 'executed')) {
        raw = Float64Array.from(expert.act(obs));
        lastExpert = raw.slice();
      }
      expertAction = labels === 'expert' ? clip(Float64Array.from(raw!)) : undefined;
      if (random) return rng.uniformBox(low, high);
      const a = raw!;
      if (std > 0) for (let i = 0; i < a.length; i++) a[i] += rng.normal() * std * (high[i] - low[i]);
      return clip(a);
    },
    label: labels === 'expert' ? () => expertAction : undefined,
  };
}

registerCollectPolicy('random', (_spec, _task, env) => randomCollectPolicy(env.actionSpace));
registerCollectPolicy('scripted', async (spec, task, env) => {
  const { schedule = DEFAULT_NOISE_SCHEDULE, labels = 'executed', afterSuccess = 'continue' } = spec as { schedule?: NoiseSchedule; labels?: ActionLabels; afterSuccess?: AfterSuccess };
  return noisyExpertPolicy(await scriptedPolicy(task), env.actionSpace, schedule, 'scripted', labels, afterSuccess);
});

/** `auto`: the task's scripted expert with the noise schedule if it has one (Meta-World), else random. */
registerCollectPolicy('auto', async (spec, task, env, run) => {
  const entry = await taskEntry(task);
  return makeCollectPolicy({ ...spec, kind: entry.scriptedPolicy ? 'scripted' : 'random' }, task, env, run);
});
