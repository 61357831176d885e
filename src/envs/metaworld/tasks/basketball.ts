/** basketball-v2: pick up a ball and dunk it through a hoop. */
import { dist, hamacherProduct, norm, tolerance } from '../rewards.ts';
import { defineTask, evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.08;
const GOAL_LOW = [-0.1, 0.85, 0] as const;
const GOAL_HIGH = [0.1, 0.9 + 1e-7, 0] as const;
/** upstream stores obj_init_pos as float32; its height survives every reset */
const BALL_Z = Math.fround(0.03);

export class SawyerBasketballV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.6, 0.0299, ...GOAL_LOW],
      randomResetHigh: [0.1, 0.7, 0.0301, ...GOAL_HIGH],
      goalLow: [GOAL_LOW[0] + 0, GOAL_LOW[1] - 0.083, GOAL_LOW[2] + 0.2499],
      goalHigh: [GOAL_HIGH[0] + 0, GOAL_HIGH[1] - 0.083, GOAL_HIGH[2] + 0.2501],
    });
  }

  protected objectPositions(): Float64Array {
    return this.bodyPos('bsktball');
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('bsktball');
  }

  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVectorApart(0.15);
    this.objInitPos = Float64Array.of(v[0], v[1], BALL_Z);
    this.setBodyPos('basket_goal', v.subarray(3, 6));
    this.setObjXyz(this.objInitPos);
    // Upstream keeps a live view of the goal site's world position: after the move, the hoop's centre.
    this.targetPos = this.sitePos('goal');
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    // The target hovers slightly above the hoop; z errors count double.
    const target = [this.targetPos[0], this.targetPos[1], 0.3];
    const scale = [1, 1, 2];
    const targetToObj = norm([0, 1, 2].map((i) => (obj[i] - target[i]) * scale[i]));
    const targetToObjInit = norm([0, 1, 2].map((i) => (this.objInitPos[i] - target[i]) * scale[i]));
    const inPlace = tolerance(targetToObj, { bounds: [0, TARGET_RADIUS], margin: targetToObjInit, sigmoid: 'long_tail' });
    const tcpOpened = obs[3];
    const tcpToObj = dist(obj, this.tcpCenter());
    let objectGrasped = this.gripperCagingReward(action, obj, {
      objectReachRadius: 0.01,
      objRadius: 0.025,
      padSuccessThresh: 0.06,
      xzThresh: 0.005,
      highDensity: true,
    });
    const holding = tcpToObj < 0.035 && tcpOpened > 0 && obj[2] - 0.01 > this.objInitPos[2];
    if (holding) objectGrasped = 1;
    let reward = hamacherProduct(objectGrasped, inPlace);
    if (holding) reward += 1 + 5 * inPlace;
    if (targetToObj < TARGET_RADIUS) reward = 10;
    return evaluation(reward, {
      success: targetToObj <= TARGET_RADIUS,
      nearObject: tcpToObj <= 0.05,
      graspSuccess: tcpOpened > 0 && obj[2] - 0.03 > this.objInitPos[2],
      graspReward: objectGrasped,
      inPlaceReward: inPlace,
      objToTarget: targetToObj,
    });
  }
}

export default defineTask({ name: 'basketball-v2', scene: 'sawyer_basketball.xml', Env: SawyerBasketballV2 });
