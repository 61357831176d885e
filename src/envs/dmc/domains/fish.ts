/** Fish (dm_control/suite/fish.py), the upright task: right the fish from a random orientation. */
import type { DmcPhysics } from '../physics.ts';
import { tolerance } from '../rewards.ts';
import type { BoundTask, DmcTaskSpec } from '../task.ts';

const JOINTS = ['tail1', 'tail_twist', 'tail2', 'finright_roll', 'finright_pitch', 'finleft_roll', 'finleft_pitch'];

function bindUpright(physics: DmcPhysics): BoundTask {
  const root = physics.qposAdr('root');
  const joints = JOINTS.map((j) => physics.qposAdr(j));
  const torso = physics.id('body', 'torso');
  const targetGeom = physics.id('geom', 'target');
  const upright = (): number => physics.views().xmat[9 * torso + 8];
  return {
    initializeEpisode(rng) {
      const { qpos, geom_rgba } = physics.views();
      const quat = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
      const norm = Math.sqrt(quat[0] * quat[0] + quat[1] * quat[1] + quat[2] * quat[2] + quat[3] * quat[3]);
      for (let i = 0; i < 4; i++) qpos[root + 3 + i] = quat[i] / norm;
      for (const j of joints) qpos[j] = rng.uniform(-0.2, 0.2);
      geom_rgba[4 * targetGeom + 3] = 0; // the target is irrelevant for this task
    },
    observation() {
      const { qpos, qvel } = physics.views();
      return {
        joint_angles: Float64Array.from(joints, (j) => qpos[j]),
        upright: Float64Array.of(upright()),
        velocity: Float64Array.from(qvel),
      };
    },
    reward: () => tolerance(upright(), { bounds: [1, 1], margin: 1 }),
  };
}

export const fishUpright: DmcTaskSpec = { name: 'fish-upright', xml: 'fish.xml', controlTimestep: 0.04, timeLimit: 40, bind: bindUpright };
