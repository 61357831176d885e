/**
 * The Meta-World task interface: a task file (`tasks/<name>.ts`) defines a subclass of
 * `SawyerXYZEnv` (or names a family's class in `families/` with its `variant`) and exports
 * `defineTask({ name, scene, Env[, variant] })` as its default export; `tasks/index.ts` lists the task
 * files, one line each. See ADDING_TASKS.md.
 */
import { acquireModel, getMujoco } from '../mujoco.ts';
import type { EnvOptions } from '../registry.ts';
import type { SawyerContext, SawyerXYZEnv } from './sawyer-env.ts';

export type { SawyerConfig, SawyerContext, Evaluation, EvaluationTerms, CagingOptions, XYZ } from './sawyer-env.ts';
export { evaluation, SawyerXYZEnv } from './sawyer-env.ts';

/** Meta-World episodes end after 200 steps by default, as in Continual-World (upstream's own limit is 500). */
export const METAWORLD_EPISODE_STEPS = 200;

export interface MetaWorldTask {
  /** The original name, e.g. `reach-v2` (the suffix-less `reach` is registered as an alias). */
  readonly name: string;
  /** Scene file under `metaworld/sawyer_xyz/` of the asset directory, e.g. `sawyer_reach_v3.xml`. */
  readonly scene: string;
  /** Builds the task's environment: `new Env(ctx)`, or `new Env(ctx, variant)` for a family's class. */
  create(ctx: SawyerContext): SawyerXYZEnv;
}

type EnvClass<V> = new (ctx: SawyerContext, variant: V) => SawyerXYZEnv;

/**
 * A task: its name, scene and environment class (whose constructor takes the context and passes it on
 * to `super(ctx, config)`); for a member of a family (`families/`), the family's class and this task's
 * `variant` of it.
 */
export function defineTask(task: { name: string; scene: string; Env: new (ctx: SawyerContext) => SawyerXYZEnv }): MetaWorldTask;
export function defineTask<V>(task: { name: string; scene: string; Env: EnvClass<V>; variant: V }): MetaWorldTask;
export function defineTask(task: { name: string; scene: string; Env: EnvClass<unknown>; variant?: unknown }): MetaWorldTask {
  if (!/^[a-z0-9-]+-v2$/.test(task.name)) throw new Error(`Meta-World task names end in -v2, got '${task.name}'`);
  if (!task.scene.endsWith('.xml')) throw new Error(`${task.name}: scene must be an .xml file, got '${task.scene}'`);
  const { name, scene, Env, variant } = task;
  return { name, scene, create: (ctx) => new Env(ctx, variant) };
}

/**
 * Builds an environment of the task: its own MjData on the thread's compiled model of the scene
 * (compiled on first use, shared with every env of that scene in the thread; see `acquireModel`).
 */
export async function makeSawyerEnv(task: MetaWorldTask, opts: EnvOptions = {}): Promise<SawyerXYZEnv> {
  const maxEpisodeSteps = opts.maxEpisodeSteps ?? METAWORLD_EPISODE_STEPS;
  if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
    throw new Error(`${task.name}: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
  }
  const mj = await getMujoco();
  const lease = await acquireModel(`metaworld/sawyer_xyz/${task.scene}`, { privateModel: opts.privateModel });
  let env: SawyerXYZEnv;
  try {
    env = task.create({ mj, lease, name: task.name, maxEpisodeSteps, seed: opts.seed ?? 0 });
  } catch (err) {
    lease.release();
    throw err;
  }
  // The task's own constructor has run too: whatever it wrote into the model is this env's.
  lease.activate();
  lease.commit();
  return env;
}
