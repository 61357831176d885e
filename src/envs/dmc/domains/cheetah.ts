/** Half cheetah (dm_control/suite/cheetah.py), the run task. Episodes start after 200 settling steps. */
import type { DmcPhysics } from '../physics.ts';
import { tolerance } from '../rewards.ts';
import type { BoundTask, DmcTaskSpec } from '../task.ts';

/** Forward speed above which the reward is 1. */
const RUN_SPEED = 10;
const SETTLING_STEPS = 200;

function bindRun(physics: DmcPhysics): BoundTask {
  const { model } = physics;
  if (model.nq !== model.njnt) throw new Error('cheetah: expected one qpos per joint');
  const limitedJoints: number[] = [];
  for (let j = 0; j < model.njnt; j++) if (model.jnt_limited[j] === 1) limitedJoints.push(j);
  const speed = physics.sensorAdr('torso_subtreelinvel');
  return {
    initializeEpisode(rng) {
      const range: Float64Array = model.jnt_range;
      const { qpos } = physics.views();
      for (const j of limitedJoints) qpos[j] = rng.uniform(range[2 * j], range[2 * j + 1]);
      physics.step(SETTLING_STEPS);
      physics.time = 0;
    },
    observation() {
      const { qpos, qvel } = physics.views();
      return { position: qpos.slice(1), velocity: Float64Array.from(qvel) };
    },
    reward: () => tolerance(physics.views().sensordata[speed], { bounds: [RUN_SPEED, Infinity], margin: RUN_SPEED, valueAtMargin: 0, sigmoid: 'linear' }),
  };
}

export const cheetahRun: DmcTaskSpec = { name: 'cheetah-run', xml: 'cheetah.xml', timeLimit: 10, bind: bindRun };
