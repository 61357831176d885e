/** coffee-pull and coffee-push: move a mug between the coffee machine's spout and a goal on the table. */
import { dist, hamacherProduct, norm, tolerance } from '../rewards.ts';
import { evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext, type XYZ } from '../task.ts';

/** X and Y errors count double in the placement reward. */
const SCALE = [2, 2, 1];

export interface CoffeeMugVariant {
  mugLow: XYZ;
  mugHigh: XYZ;
  goalLow: XYZ;
  goalHigh: XYZ;
  /** What stands under the machine's spout (the machine is 22 cm behind it): the mug at the start, or the goal. */
  underSpout: 'mug' | 'goal';
}

export class SawyerCoffeeMugEnv extends SawyerXYZEnv {
  protected override mainObjectGeom = 'mug';
  private readonly underSpout: CoffeeMugVariant['underSpout'];

  constructor(ctx: SawyerContext, variant: CoffeeMugVariant) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.4, 0.2],
      randomResetLow: [...variant.mugLow, ...variant.goalLow],
      randomResetHigh: [...variant.mugHigh, ...variant.goalHigh],
      goalLow: variant.goalLow,
      goalHigh: variant.goalHigh,
    });
    this.underSpout = variant.underSpout;
  }

  protected objectPositions(): Float64Array {
    return this.bodyPos('obj');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('mug');
  }

  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVectorApart(0.15);
    const mugInit = v.slice(0, 3);
    // upstream _set_obj_xyz for this scene: the mug's free joint is qpos[0:3]; qvel[9:15] is zeroed as upstream does
    this.qpos.set(mugInit, 0);
    this.qvel.fill(0, 9, 15);
    this.forward();
    this.objInitPos = mugInit;
    const goal = v.slice(3, 6);
    const spout = this.underSpout === 'mug' ? mugInit : goal;
    this.setBodyPos('coffee_machine', [spout[0], spout[1] + 0.22, spout[2]]);
    this.targetPos = goal;
    this.setSitePos('mug_goal', this.targetPos);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const target = this.targetPos;
    const targetToObj = norm([0, 1, 2].map((i) => (obj[i] - target[i]) * SCALE[i]));
    const targetToObjInit = norm([0, 1, 2].map((i) => (this.objInitPos[i] - target[i]) * SCALE[i]));
    const inPlace = tolerance(targetToObj, { bounds: [0, 0.05], margin: targetToObjInit, sigmoid: 'long_tail' });
    const tcpOpened = obs[3];
    const tcpToObj = dist(obj, this.tcpCenter());
    const objectGrasped = this.gripperCagingReward(action, obj, {
      objectReachRadius: 0.04,
      objRadius: 0.02,
      padSuccessThresh: 0.05,
      xzThresh: 0.05,
      desiredGripperEffort: 0.7,
      mediumDensity: true,
    });
    let reward = hamacherProduct(objectGrasped, inPlace);
    if (tcpToObj < 0.04 && tcpOpened > 0) reward += 1 + 5 * inPlace;
    if (targetToObj < 0.05) reward = 10;
    const objToTarget = dist(obj, target);
    return evaluation(reward, {
      success: objToTarget <= 0.07,
      nearObject: tcpToObj <= 0.03,
      graspSuccess: this.touchingMainObject() && tcpOpened > 0,
      graspReward: objectGrasped,
      inPlaceReward: inPlace,
      objToTarget,
    });
  }
}
