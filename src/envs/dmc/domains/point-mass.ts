/** Point mass (dm_control/suite/point_mass.py), the easy task (actuator gains not randomised). */
import type { DmcPhysics } from '../physics.ts';
import { randomizeLimitedAndRotationalJoints } from '../randomizers.ts';
import { tolerance } from '../rewards.ts';
import type { BoundTask, DmcTaskSpec } from '../task.ts';

function bindEasy(physics: DmcPhysics): BoundTask {
  const target = physics.id('geom', 'target');
  const mass = physics.id('geom', 'pointmass');
  const nu = physics.nu;
  return {
    initializeEpisode(rng) {
      randomizeLimitedAndRotationalJoints(physics, rng);
    },
    observation() {
      const { qpos, qvel } = physics.views();
      return { position: Float64Array.from(qpos), velocity: Float64Array.from(qvel) };
    },
    reward() {
      const { geom_xpos, geom_size, ctrl } = physics.views();
      const dx = geom_xpos[3 * target] - geom_xpos[3 * mass];
      const dy = geom_xpos[3 * target + 1] - geom_xpos[3 * mass + 1];
      const dz = geom_xpos[3 * target + 2] - geom_xpos[3 * mass + 2];
      const targetSize = geom_size[3 * target];
      const nearTarget = tolerance(Math.sqrt(dx * dx + dy * dy + dz * dz), { bounds: [0, targetSize], margin: targetSize });
      let controlReward = 0;
      for (let i = 0; i < nu; i++) controlReward += tolerance(ctrl[i], { margin: 1, valueAtMargin: 0, sigmoid: 'quadratic' });
      controlReward /= nu;
      const smallControl = (controlReward + 4) / 5;
      return nearTarget * smallControl;
    },
  };
}

export const pointMassEasy: DmcTaskSpec = { name: 'point_mass-easy', xml: 'point_mass.xml', timeLimit: 20, bind: bindEasy };
