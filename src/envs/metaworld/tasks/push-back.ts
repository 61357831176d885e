/** push-back-v2: push a block backwards (towards the robot) to a goal. */
import { SawyerPuckEnv } from '../families/puck.ts';
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, type Evaluation } from '../task.ts';

const OBJ_RADIUS = 0.007;
const TARGET_RADIUS = 0.05;

export class SawyerPushBackV2 extends SawyerPuckEnv {
  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const tcpToObj = dist(obj, this.tcpCenter());
    const targetToObj = dist(obj, this.targetPos);
    const targetToObjInit = dist(this.objInitPos, this.targetPos);
    const inPlace = tolerance(targetToObj, { bounds: [0, TARGET_RADIUS], margin: targetToObjInit, sigmoid: 'long_tail' });
    const objectGrasped = this.padCaging(obj, { objRadius: OBJ_RADIUS, gripExtra: 0.003, xzSuccessMargin: 0.01 });
    let reward = hamacherProduct(objectGrasped, inPlace);
    if (tcpToObj < 0.01 && tcpOpened > 0 && tcpOpened < 0.55 && targetToObjInit - targetToObj > 0.01) reward += 1 + 5 * inPlace;
    if (targetToObj < TARGET_RADIUS) reward = 10;
    return this.objectToGoalEvaluation(reward, { obj, tcpOpened, tcpToObj, objToTarget: targetToObj, graspReward: objectGrasped, inPlaceReward: inPlace });
  }
}

export default defineTask({
  name: 'push-back-v2',
  scene: 'sawyer_push_back_v3.xml',
  Env: SawyerPushBackV2,
  variant: {
    puckLow: [-0.1, 0.8, 0.02],
    puckHigh: [0.1, 0.85, 0.02],
    goalLow: [-0.1, 0.6, 0.0199],
    goalHigh: [0.1, 0.7, 0.0201],
    // upstream stores hand_init_pos as float32
    handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
    trackedBy: 'geom',
    restsOnTable: true,
  },
});
