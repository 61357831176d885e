/** coffee-push-v2: push a mug across the table until it sits under the coffee machine's spout. */
import { dist, hamacherProduct, norm, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

/** X and Y errors count double in the placement reward. */
const SCALE = [2, 2, 1];

export class SawyerCoffeePushV2 extends SawyerXYZEnv {
  protected override mainObjectGeom = 'mug';

  constructor(ctx: SawyerContext) {
    const objLow = [-0.1, 0.55, -0.001];
    const objHigh = [0.1, 0.65, 0.001];
    const goalLow = [-0.05, 0.7, -0.001] as const;
    const goalHigh = [0.05, 0.75, 0.001] as const;
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.4, 0.2],
      randomResetLow: [...objLow, ...goalLow],
      randomResetHigh: [...objHigh, ...goalHigh],
      goalLow,
      goalHigh,
    });
  }

  protected objectPositions(): Float64Array {
    return this.bodyPos('obj');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('mug');
  }

  protected resetModel(): void {
    this.resetHand();
    let v = this.randomResetVector();
    while (Math.hypot(v[0] - v[3], v[1] - v[4]) < 0.15) v = this.randomResetVector();
    const mugInit = v.slice(0, 3);
    // upstream _set_obj_xyz for this scene: the mug's free joint is qpos[0:3]; qvel[9:15] is zeroed as upstream does
    this.qpos.set(mugInit, 0);
    this.qvel.fill(0, 9, 15);
    this.forward();
    this.objInitPos = mugInit;
    const goal = v.slice(3, 6);
    // the machine stands behind the goal, so the goal is under its spout
    this.setBodyPos('coffee_machine', [goal[0], goal[1] + 0.22, goal[2]]);
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
    return {
      reward,
      info: {
        success: objToTarget <= 0.07 ? 1 : 0,
        near_object: tcpToObj <= 0.03 ? 1 : 0,
        grasp_success: this.touchingMainObject() && tcpOpened > 0 ? 1 : 0,
        grasp_reward: objectGrasped,
        in_place_reward: inPlace,
        obj_to_target: objToTarget,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'coffee-push-v2', scene: 'sawyer_coffee.xml', Env: SawyerCoffeePushV2 });
