/** Hopper (dm_control/suite/hopper.py), the stand task: get up from a random pose and stay up. */
import type { DmcPhysics } from '../physics.ts';
import { randomizeLimitedAndRotationalJoints } from '../randomizers.ts';
import { tolerance } from '../rewards.ts';
import type { BoundTask, DmcTaskSpec } from '../task.ts';

/** Torso height over the foot above which the stand reward is 1. */
const STAND_HEIGHT = 0.6;

function bindStand(physics: DmcPhysics): BoundTask {
  const torso = physics.id('body', 'torso');
  const foot = physics.id('body', 'foot');
  const toe = physics.sensorAdr('touch_toe');
  const heel = physics.sensorAdr('touch_heel');
  const nu = physics.nu;
  return {
    initializeEpisode(rng) {
      randomizeLimitedAndRotationalJoints(physics, rng);
    },
    observation() {
      const { qpos, qvel, sensordata } = physics.views();
      return {
        position: qpos.slice(1), // horizontal position left out for translational invariance
        velocity: Float64Array.from(qvel),
        touch: Float64Array.of(Math.log1p(sensordata[toe]), Math.log1p(sensordata[heel])),
      };
    },
    reward() {
      const { xipos, ctrl } = physics.views();
      const height = xipos[3 * torso + 2] - xipos[3 * foot + 2];
      const standing = tolerance(height, { bounds: [STAND_HEIGHT, 2] });
      let smallControl = 0;
      for (let i = 0; i < nu; i++) smallControl += tolerance(ctrl[i], { margin: 1, valueAtMargin: 0, sigmoid: 'quadratic' });
      smallControl = (smallControl / nu + 4) / 5;
      return standing * smallControl;
    },
  };
}

export const hopperStand: DmcTaskSpec = { name: 'hopper-stand', xml: 'hopper.xml', controlTimestep: 0.02, timeLimit: 20, bind: bindStand };
