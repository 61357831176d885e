/** Pendulum (dm_control/suite/pendulum.py): swing up and hold within 8 degrees of vertical. */
import type { DmcPhysics } from '../physics.ts';
import { tolerance } from '../rewards.ts';
import type { BoundTask, DmcTaskSpec } from '../task.ts';

/** cos(8 degrees), computed like numpy's `cos(deg2rad(8))`. */
const COSINE_BOUND = Math.cos(8 * (Math.PI / 180));

function bindSwingup(physics: DmcPhysics): BoundTask {
  const hinge = physics.qposAdr('hinge');
  const hingeDof = physics.dofAdr('hinge');
  const pole = physics.id('body', 'pole');
  return {
    initializeEpisode(rng) {
      physics.views().qpos[hinge] = rng.uniform(-Math.PI, Math.PI);
    },
    observation() {
      const { xmat, qvel } = physics.views();
      return { orientation: Float64Array.of(xmat[9 * pole + 8], xmat[9 * pole + 2]), velocity: Float64Array.of(qvel[hingeDof]) };
    },
    reward() {
      return tolerance(physics.views().xmat[9 * pole + 8], { bounds: [COSINE_BOUND, 1] });
    },
  };
}

export const pendulumSwingup: DmcTaskSpec = { name: 'pendulum-swingup', xml: 'pendulum.xml', timeLimit: 20, bind: bindSwingup };
