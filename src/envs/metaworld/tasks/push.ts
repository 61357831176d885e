/** push-v2: push a puck across the table to a goal. */
import { dist, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;

export class SawyerPushV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.1, 0.6, 0.02, -0.1, 0.8, 0.01],
      randomResetHigh: [0.1, 0.7, 0.02, 0.1, 0.9, 0.02],
      goalLow: [-0.1, 0.8, 0.01],
      goalHigh: [0.1, 0.9, 0.02],
    });
  }

  protected objectPositions(): Float64Array {
    return this.bodyPos('obj');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('objGeom');
  }

  protected resetModel(): void {
    this.resetHand();
    // Upstream fix_extreme_obj_pos: the puck's resting height is read from the settled scene.
    const objZ = this.bodyPos('obj')[2];
    let v = this.randomResetVector();
    while (Math.hypot(v[0] - v[3], v[1] - v[4]) < 0.15) v = this.randomResetVector();
    this.targetPos = Float64Array.of(v[3], v[4], objZ);
    this.objInitPos = Float64Array.of(v[0], v[1], objZ);
    this.setObjXyz(this.objInitPos);
    this.setSitePos('goal', this.targetPos);
  }

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
    const objectGrasped = this.gripperCagingReward(action, obj, {
      objectReachRadius: 0.01,
      objRadius: 0.015,
      padSuccessThresh: 0.05,
      xzThresh: 0.005,
      highDensity: true,
    });
    let reward = 2 * objectGrasped;
    if (tcpToObj < 0.02 && tcpOpened > 0) reward += 1 + reward + 5 * inPlace;
    if (targetToObj < TARGET_RADIUS) reward = 10;
    return {
      reward,
      info: {
        success: targetToObj <= TARGET_RADIUS ? 1 : 0,
        near_object: tcpToObj <= 0.03 ? 1 : 0,
        // cheap conditions first: the contact scan is the costly part of the conjunction
        grasp_success: tcpOpened > 0 && obj[2] - 0.02 > this.objInitPos[2] && this.touchingMainObject() ? 1 : 0,
        grasp_reward: objectGrasped,
        in_place_reward: inPlace,
        obj_to_target: targetToObj,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'push-v2', scene: 'sawyer_push_v3.xml', Env: SawyerPushV2 });
