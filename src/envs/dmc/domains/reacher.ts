/** Reacher (dm_control/suite/reacher.py): touch a randomly placed target; easy and hard differ in its size. */
import type { DmcPhysics } from '../physics.ts';
import { randomizeLimitedAndRotationalJoints } from '../randomizers.ts';
import { tolerance } from '../rewards.ts';
import type { BoundTask, DmcTaskSpec } from '../task.ts';

const BIG_TARGET = 0.05;
const SMALL_TARGET = 0.015;

function bindReacher(physics: DmcPhysics, targetSize: number): BoundTask {
  const target = physics.id('geom', 'target');
  const finger = physics.id('geom', 'finger');
  const fingerToTarget = (): [number, number] => {
    const { geom_xpos } = physics.views();
    return [geom_xpos[3 * target] - geom_xpos[3 * finger], geom_xpos[3 * target + 1] - geom_xpos[3 * finger + 1]];
  };
  return {
    initializeEpisode(rng) {
      physics.views().geom_size[3 * target] = targetSize;
      randomizeLimitedAndRotationalJoints(physics, rng);
      const angle = rng.uniform(0, 2 * Math.PI);
      const radius = rng.uniform(0.05, 0.2);
      const { geom_pos } = physics.views();
      geom_pos[3 * target] = radius * Math.sin(angle);
      geom_pos[3 * target + 1] = radius * Math.cos(angle);
    },
    observation() {
      const { qpos, qvel } = physics.views();
      return { position: Float64Array.from(qpos), to_target: Float64Array.from(fingerToTarget()), velocity: Float64Array.from(qvel) };
    },
    reward() {
      const { geom_size } = physics.views();
      const radii = geom_size[3 * target] + geom_size[3 * finger];
      const [dx, dy] = fingerToTarget();
      return tolerance(Math.sqrt(dx * dx + dy * dy), { bounds: [0, radii] });
    },
  };
}

export const reacherEasy: DmcTaskSpec = { name: 'reacher-easy', xml: 'reacher.xml', timeLimit: 20, bind: (p) => bindReacher(p, BIG_TARGET) };
export const reacherHard: DmcTaskSpec = { name: 'reacher-hard', xml: 'reacher.xml', timeLimit: 20, bind: (p) => bindReacher(p, SMALL_TARGET) };
