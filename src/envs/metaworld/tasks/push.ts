/** push-v2: push a puck across the table to a goal. */
import { PUCK_CAGING, SawyerPuckEnv } from '../families/puck.ts';
import { dist, tolerance } from '../rewards.ts';
import { defineTask, evaluation, type Evaluation } from '../task.ts';

const TARGET_RADIUS = 0.05;

export class SawyerPushV2 extends SawyerPuckEnv {
  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const tcpToObj = dist(obj, this.tcpCenter());
    const targetToObj = dist(obj, this.targetPos);
    const inPlace = tolerance(targetToObj, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, this.targetPos),
      sigmoid: 'long_tail',
    });
    const objectGrasped = this.gripperCagingReward(action, obj, { ...PUCK_CAGING, highDensity: true });
    let reward = 2 * objectGrasped;
    if (tcpToObj < 0.02 && tcpOpened > 0) reward += 1 + reward + 5 * inPlace;
    if (targetToObj < TARGET_RADIUS) reward = 10;
    return evaluation(reward, {
      success: targetToObj <= TARGET_RADIUS,
      nearObject: tcpToObj <= 0.03,
      graspSuccess: this.graspedAndLifted(obj, tcpOpened),
      graspReward: objectGrasped,
      inPlaceReward: inPlace,
      objToTarget: targetToObj,
    });
  }
}

export default defineTask({
  name: 'push-v2',
  scene: 'sawyer_push_v3.xml',
  Env: SawyerPushV2,
  variant: {
    puckLow: [-0.1, 0.6, 0.02],
    puckHigh: [0.1, 0.7, 0.02],
    goalLow: [-0.1, 0.8, 0.01],
    goalHigh: [0.1, 0.9, 0.02],
    trackedBy: 'body',
    restsOnTable: true,
  },
});
