/**
 * The 16 DMControl tasks of the original L2M, registered by name ('cartpole-swingup', ...), and
 * its task sets: DMC10 (pre-training), DMC6 (fine-tuning) and DMC16 (both).
 *
 * DMC6 uses reacher-easy, as the original's older task list and its 16-task dataset do. The
 * original's `dmcontrol6_v2` config lists reacher-hard instead (which is also in DMC10); build that
 * variant with `resolveTasks('ball_in_cup-catch,cartpole-swingup,cheetah-run,finger-spin,reacher-hard,walker-walk')`.
 */
import { registerSet, registerTask } from '../registry.ts';
import { ballInCupCatch } from './domains/ball-in-cup.ts';
import { cartpoleBalance, cartpoleSwingup } from './domains/cartpole.ts';
import { cheetahRun } from './domains/cheetah.ts';
import { fingerSpin, fingerTurnEasy, fingerTurnHard } from './domains/finger.ts';
import { fishUpright } from './domains/fish.ts';
import { hopperStand } from './domains/hopper.ts';
import { pendulumSwingup } from './domains/pendulum.ts';
import { pointMassEasy } from './domains/point-mass.ts';
import { reacherEasy, reacherHard } from './domains/reacher.ts';
import { walkerRun, walkerStand, walkerWalk } from './domains/walker.ts';
import { DmcEnv, type DmcEnvOptions } from './env.ts';
import { normalizedScore } from './scores.ts';
import type { DmcTaskSpec } from './task.ts';

export { DmcEnv, DEFAULT_DMC_SEED, type DmcEnvOptions, type DmcObsLayout } from './env.ts';
export { L2M_OBS_DIM, L2M_OBS_SLOTS, flattenParts, toL2m204 } from './observation.ts';
export { DMC_SCORE_REFERENCES, hasNormalizedScore, normalizedScore } from './scores.ts';
export { NumpyRandomState, gymSeedKey } from './numpy-random.ts';
export { tolerance, type Sigmoid, type ToleranceOptions } from './rewards.ts';
export type { DmcTaskSpec, ObservationParts, ResetRng } from './task.ts';

export const DMC10 = [
  'cartpole-balance', 'finger-turn_easy', 'finger-turn_hard', 'fish-upright', 'hopper-stand',
  'pendulum-swingup', 'point_mass-easy', 'reacher-hard', 'walker-stand', 'walker-run',
];
export const DMC6 = ['ball_in_cup-catch', 'cartpole-swingup', 'cheetah-run', 'finger-spin', 'reacher-easy', 'walker-walk'];
export const DMC16 = [...DMC10, ...DMC6];

export const DMC_TASKS: Readonly<Record<string, DmcTaskSpec>> = Object.fromEntries(
  [
    ballInCupCatch, cartpoleBalance, cartpoleSwingup, cheetahRun, fingerSpin, fingerTurnEasy, fingerTurnHard, fishUpright,
    hopperStand, pendulumSwingup, pointMassEasy, reacherEasy, reacherHard, walkerRun, walkerStand, walkerWalk,
  ].map((spec) => [spec.name, spec]),
);

/** Creates a DMControl task by name (also reachable as `makeEnv(name)` from the registry). */
export async function makeDmcEnv(name: string, opts: DmcEnvOptions = {}): Promise<DmcEnv> {
  const spec = DMC_TASKS[name];
  if (spec === undefined) throw new Error(`unknown DMControl task '${name}' (known: ${Object.keys(DMC_TASKS).join(', ')})`);
  return DmcEnv.create(spec, opts);
}

for (const spec of Object.values(DMC_TASKS)) {
  registerTask({
    name: spec.name,
    domain: 'dmc',
    make: (opts) => DmcEnv.create(spec, opts),
    normalizedScore: (episodeReturn) => normalizedScore(spec.name, episodeReturn),
  });
}
registerSet('DMC10', DMC10);
registerSet('DMC6', DMC6);
registerSet('DMC16', DMC16);
