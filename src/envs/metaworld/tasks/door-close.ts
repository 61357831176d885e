/** door-close-v2: swing an open door shut by pushing its handle. */
import { SawyerDoorEnv } from '../families/door.ts';
import { dist, tolerance } from '../rewards.ts';
import { defineTask, type Evaluation } from '../task.ts';

const TARGET_RADIUS = 0.05;

export class SawyerDoorCloseV2 extends SawyerDoorEnv {
  evaluateState(obs: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const target = this.targetPos;
    const tcpToTarget = dist(this.tcpCenter(), target);
    const objToTarget = dist(obj, target);
    const inPlace = tolerance(objToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, target),
      sigmoid: 'gaussian',
    });
    const handInPlace = tolerance(tcpToTarget, {
      bounds: [0, 0.25 * TARGET_RADIUS],
      margin: dist(this.handInitPos, obj) + 0.1,
      sigmoid: 'gaussian',
    });
    const reward = objToTarget < TARGET_RADIUS ? 10 : 3 * handInPlace + 6 * inPlace;
    return {
      reward,
      info: {
        obj_to_target: objToTarget,
        // upstream reports the hand term under this key
        in_place_reward: handInPlace,
        success: objToTarget <= 0.08 ? 1 : 0,
        near_object: 0,
        grasp_success: 1,
        grasp_reward: 1,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({
  name: 'door-close-v2',
  scene: 'sawyer_door_pull.xml',
  Env: SawyerDoorCloseV2,
  variant: {
    // upstream stores hand_init_pos as float32
    handInitPos: [Math.fround(-0.5), Math.fround(0.6), Math.fround(0.2)],
    goalLow: [0.2, 0.65, 0.1499],
    goalHigh: [0.3, 0.75, 0.1501],
    goalOffset: [0.2, -0.2],
    // the door open by a right angle
    hingeAtReset: -1.5708,
  },
});
