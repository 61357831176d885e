/** pick-place-v2: grasp a puck and carry it to a goal in the air. */
import { SawyerPuckEnv } from '../families/puck.ts';
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, type Evaluation } from '../task.ts';

const TARGET_RADIUS = 0.05;

export class SawyerPickPlaceV2 extends SawyerPuckEnv {
  /** pick-place's own caging reward (upstream overrides the base one; fixed margins, always "high density"). */
  private pickPlaceCaging(action: Float64Array, obj: ArrayLike<number>): number {
    const padSuccessMargin = 0.05;
    const xzSuccessMargin = 0.005;
    const objRadius = 0.015;
    const tcp = this.tcpCenter();
    const leftPad = this.bodyPos('leftpad');
    const rightPad = this.bodyPos('rightpad');
    const rightCaging = tolerance(obj[1] - rightPad[1], {
      bounds: [objRadius, padSuccessMargin],
      margin: Math.abs(Math.abs(obj[1] - this.initRightPad[1]) - padSuccessMargin),
      sigmoid: 'long_tail',
    });
    const leftCaging = tolerance(leftPad[1] - obj[1], {
      bounds: [objRadius, padSuccessMargin],
      margin: Math.abs(Math.abs(obj[1] - this.initLeftPad[1]) - padSuccessMargin),
      sigmoid: 'long_tail',
    });
    const yCaging = hamacherProduct(leftCaging, rightCaging);
    const xzMargin = Math.hypot(this.objInitPos[0] - this.initTcp[0], this.objInitPos[2] - this.initTcp[2]) - xzSuccessMargin;
    const xzCaging = tolerance(Math.hypot(tcp[0] - obj[0], tcp[2] - obj[2]), {
      bounds: [0, xzSuccessMargin],
      margin: xzMargin,
      sigmoid: 'long_tail',
    });
    const gripperClosed = Math.min(Math.max(0, action[3]), 1);
    const caging = hamacherProduct(yCaging, xzCaging);
    const gripping = caging > 0.97 ? gripperClosed : 0;
    return (hamacherProduct(caging, gripping) + caging) / 2;
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const objToTarget = dist(obj, this.targetPos);
    const tcpToObj = dist(obj, this.tcpCenter());
    const inPlace = tolerance(objToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, this.targetPos),
      sigmoid: 'long_tail',
    });
    const objectGrasped = this.pickPlaceCaging(action, obj);
    let reward = hamacherProduct(objectGrasped, inPlace);
    if (tcpToObj < 0.02 && tcpOpened > 0 && obj[2] - 0.01 > this.objInitPos[2]) reward += 1 + 5 * inPlace;
    if (objToTarget < TARGET_RADIUS) reward = 10;
    return this.objectToGoalEvaluation(reward, { obj, tcpOpened, tcpToObj, objToTarget, graspReward: objectGrasped, inPlaceReward: inPlace });
  }
}

export default defineTask({
  name: 'pick-place-v2',
  scene: 'sawyer_pick_place_v3.xml',
  Env: SawyerPickPlaceV2,
  variant: {
    puckLow: [-0.1, 0.6, 0.02],
    puckHigh: [0.1, 0.7, 0.02],
    goalLow: [-0.1, 0.8, 0.05],
    goalHigh: [0.1, 0.9, 0.3],
    trackedBy: 'body',
    refreshPadsAtReset: true,
  },
});
