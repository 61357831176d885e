/**
 * The Meta-World task interface: a task file (`tasks/<name>.ts`) defines a subclass of
 * `SawyerXYZEnv` and exports `defineTask({ name, scene, Env })` as its default export; `tasks/index.ts`
 * lists the task files, one line each. See ADDING_TASKS.md.
 */
import { getMujoco, loadModel } from '../mujoco.ts';
import type { EnvOptions } from '../registry.ts';
import type { SawyerContext, SawyerXYZEnv } from './sawyer-env.ts';

export type { SawyerConfig, SawyerContext, Evaluation, CagingOptions, XYZ } from './sawyer-env.ts';
export { SawyerXYZEnv } from './sawyer-env.ts';

/** Meta-World episodes end after 200 steps by default, as in Continual-World (upstream's own limit is 500). */
export const METAWORLD_EPISODE_STEPS = 200;

export interface MetaWorldTask {
  /** The original name, e.g. `reach-v2` (the suffix-less `reach` is registered as an alias). */
  readonly name: string;
  /** Scene file under `metaworld/sawyer_xyz/` of the asset directory, e.g. `sawyer_reach_v3.xml`. */
  readonly scene: string;
  /** The environment class: its constructor takes the context and passes it on to `super(ctx, config)`. */
  readonly Env: new (ctx: SawyerContext) => SawyerXYZEnv;
}

export function defineTask(task: MetaWorldTask): MetaWorldTask {
  if (!/^[a-z0-9-]+-v2$/.test(task.name)) throw new Error(`Meta-World task names end in -v2, got '${task.name}'`);
  if (!task.scene.endsWith('.xml')) throw new Error(`${task.name}: scene must be an .xml file, got '${task.scene}'`);
  return task;
}

/** Compiles the task's scene and builds a fresh environment (each env owns its MjModel and MjData). */
export async function makeSawyerEnv(task: MetaWorldTask, opts: EnvOptions = {}): Promise<SawyerXYZEnv> {
  const mj = await getMujoco();
  const model = await loadModel(`metaworld/sawyer_xyz/${task.scene}`);
  const maxEpisodeSteps = opts.maxEpisodeSteps ?? METAWORLD_EPISODE_STEPS;
  if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
    model.delete();
    throw new Error(`${task.name}: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
  }
  try {
    return new task.Env({ mj, model, name: task.name, maxEpisodeSteps, seed: opts.seed ?? 0 });
  } catch (err) {
    model.delete();
    throw err;
  }
}
