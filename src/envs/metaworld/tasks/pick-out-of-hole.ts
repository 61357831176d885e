/** pick-out-of-hole-v2: pick a puck out of a hole in the table and lift it to a goal. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

/** The reward saturates within the base's TARGET_RADIUS (upstream's class-level 0.02 is unused). */
const TARGET_RADIUS = 0.05;

export class SawyerPickOutOfHoleV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, -0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [0, 0.75, 0.02, -0.1, 0.5, 0.15],
      randomResetHigh: [0, 0.75, 0.02, 0.1, 0.6, 0.3],
      goalLow: [-0.1, 0.5, 0.15],
      goalHigh: [0.1, 0.6, 0.3],
    });
  }

  protected objectPositions(): Float64Array {
    return this.bodyPos('obj');
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('obj');
  }

  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVectorApart(0.15);
    this.objInitPos = v.slice(0, 3);
    this.setObjXyz(this.objInitPos);
    this.targetPos = v.slice(3, 6);
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const gripper = this.tcpCenter();
    const objToTarget = dist(obj, this.targetPos);
    const tcpToObj = dist(obj, gripper);
    // A funnel-shaped floor around the hole keeps the hand off its rim.
    const threshold = 0.03;
    const radius = Math.hypot(gripper[0] - this.objInitPos[0], gripper[1] - this.objInitPos[1]);
    const floor = radius <= threshold ? 0 : 0.015 * Math.log(radius - threshold) + 0.15;
    const aboveFloor =
      gripper[2] >= floor
        ? 1
        : tolerance(Math.max(floor - gripper[2], 0), { bounds: [0, 0.01], margin: 0.02, sigmoid: 'long_tail' });
    const objectGrasped = this.gripperCagingReward(action, obj, {
      objectReachRadius: 0.01,
      objRadius: 0.015,
      padSuccessThresh: 0.02,
      xzThresh: 0.03,
      desiredGripperEffort: 0.1,
      highDensity: true,
    });
    const inPlace = tolerance(objToTarget, {
      bounds: [0, 0.02],
      margin: dist(this.objInitPos, this.targetPos),
      sigmoid: 'long_tail',
    });
    let reward = hamacherProduct(objectGrasped, inPlace);
    const nearObject = tcpToObj < 0.04;
    const pinchedWithoutObj = obs[3] < 0.33;
    const lifted = obj[2] - 0.02 > this.objInitPos[2];
    const graspSuccess = nearObject && lifted && !pinchedWithoutObj;
    if (graspSuccess) reward += 1 + 5 * hamacherProduct(inPlace, aboveFloor);
    if (objToTarget < TARGET_RADIUS) reward = 10;
    return evaluation(reward, {
      success: objToTarget <= 0.07,
      nearObject: tcpToObj <= 0.03,
      graspSuccess,
      graspReward: objectGrasped,
      inPlaceReward: inPlace,
      objToTarget,
    });
  }
}

export default defineTask({ name: 'pick-out-of-hole-v2', scene: 'sawyer_pick_out_of_hole.xml', Env: SawyerPickOutOfHoleV2 });
