/** Planar walker (dm_control/suite/walker.py): stand, walk or run from a random pose. */
import type { DmcPhysics } from '../physics.ts';
import { randomizeLimitedAndRotationalJoints } from '../randomizers.ts';
import { tolerance } from '../rewards.ts';
import type { BoundTask, DmcTaskSpec } from '../task.ts';

const CONTROL_TIMESTEP = 0.025;
const TIME_LIMIT = 25;
/** Torso height above which the stand reward is 1. */
const STAND_HEIGHT = 1.2;
const WALK_SPEED = 1;
const RUN_SPEED = 8;

function bindWalker(physics: DmcPhysics, moveSpeed: number): BoundTask {
  const torso = physics.id('body', 'torso');
  const nbody: number = physics.model.nbody;
  const subtreeLinVel = physics.sensorAdr('torso_subtreelinvel');
  return {
    initializeEpisode(rng) {
      randomizeLimitedAndRotationalJoints(physics, rng);
    },
    observation() {
      const { xmat, xpos, qvel } = physics.views();
      const orientations = new Float64Array(2 * (nbody - 1));
      for (let b = 1; b < nbody; b++) {
        orientations[2 * (b - 1)] = xmat[9 * b]; // xx
        orientations[2 * (b - 1) + 1] = xmat[9 * b + 2]; // xz
      }
      return { orientations, height: Float64Array.of(xpos[3 * torso + 2]), velocity: Float64Array.from(qvel) };
    },
    reward() {
      const { xmat, xpos, sensordata } = physics.views();
      const standing = tolerance(xpos[3 * torso + 2], { bounds: [STAND_HEIGHT, Infinity], margin: STAND_HEIGHT / 2 });
      const upright = (1 + xmat[9 * torso + 8]) / 2;
      const standReward = (3 * standing + upright) / 4;
      if (moveSpeed === 0) return standReward;
      const moveReward = tolerance(sensordata[subtreeLinVel], {
        bounds: [moveSpeed, Infinity], margin: moveSpeed / 2, valueAtMargin: 0.5, sigmoid: 'linear',
      });
      return (standReward * (5 * moveReward + 1)) / 6;
    },
  };
}

const walker = (name: string, moveSpeed: number): DmcTaskSpec => ({
  name, xml: 'walker.xml', controlTimestep: CONTROL_TIMESTEP, timeLimit: TIME_LIMIT, bind: (p) => bindWalker(p, moveSpeed),
});
export const walkerStand = walker('walker-stand', 0);
export const walkerWalk = walker('walker-walk', WALK_SPEED);
export const walkerRun = walker('walker-run', RUN_SPEED);
