/** Ball in cup (dm_control/suite/ball_in_cup.py): swing the tethered ball into the cup. */
import type { DmcPhysics } from '../physics.ts';
import type { BoundTask, DmcTaskSpec } from '../task.ts';

function bindCatch(physics: DmcPhysics): BoundTask {
  const ballX = physics.qposAdr('ball_x');
  const ballZ = physics.qposAdr('ball_z');
  const targetSite = physics.id('site', 'target');
  const ballBody = physics.id('body', 'ball');
  const ballGeom = physics.id('geom', 'ball');
  return {
    initializeEpisode(rng) {
      // Redraw the ball position until it penetrates nothing.
      let penetrating = true;
      while (penetrating) {
        const { qpos } = physics.views();
        qpos[ballX] = rng.uniform(-0.2, 0.2);
        qpos[ballZ] = rng.uniform(0.2, 0.5);
        physics.afterReset();
        penetrating = physics.ncon > 0;
      }
    },
    observation() {
      const { qpos, qvel } = physics.views();
      return { position: Float64Array.from(qpos), velocity: Float64Array.from(qvel) };
    },
    reward() {
      const { site_xpos, xpos, site_size, geom_size } = physics.views();
      const ballSize = geom_size[3 * ballGeom];
      const dx = Math.abs(site_xpos[3 * targetSite] - xpos[3 * ballBody]);
      const dz = Math.abs(site_xpos[3 * targetSite + 2] - xpos[3 * ballBody + 2]);
      return dx < site_size[3 * targetSite] - ballSize && dz < site_size[3 * targetSite + 2] - ballSize ? 1 : 0;
    },
  };
}

export const ballInCupCatch: DmcTaskSpec = { name: 'ball_in_cup-catch', xml: 'ball_in_cup.xml', controlTimestep: 0.02, timeLimit: 20, bind: bindCatch };
