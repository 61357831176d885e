/** push-back-v2: push a block backwards (towards the robot) to a goal. */
import { padCagingReward } from '../pad-caging-reward.ts';
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const OBJ_RADIUS = 0.007;
const TARGET_RADIUS = 0.05;

export class SawyerPushBackV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.8, 0.02, -0.1, 0.6, 0.0199],
      randomResetHigh: [0.1, 0.85, 0.02, 0.1, 0.7, 0.0201],
      goalLow: [-0.1, 0.6, 0.0199],
      goalHigh: [0.1, 0.7, 0.0201],
    });
  }

  protected objectPositions(): Float64Array {
    return this.geomPos('objGeom');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('objGeom');
  }

  protected resetModel(): void {
    this.resetHand();
    // Upstream adjust_initObjPos: the block's resting height is the geom's height in the settled scene.
    const objZ = this.geomPos('objGeom')[2];
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
    const tcp = this.tcpCenter();
    const tcpToObj = dist(obj, tcp);
    const targetToObj = dist(obj, this.targetPos);
    const targetToObjInit = dist(this.objInitPos, this.targetPos);
    const inPlace = tolerance(targetToObj, { bounds: [0, TARGET_RADIUS], margin: targetToObjInit, sigmoid: 'long_tail' });
    const objectGrasped = padCagingReward(
      {
        obj,
        objInitPos: this.objInitPos,
        tcp,
        initTcp: this.initTcp,
        leftPad: this.bodyPos('leftpad'),
        rightPad: this.bodyPos('rightpad'),
        initLeftPad: this.initLeftPad,
        initRightPad: this.initRightPad,
      },
      { objRadius: OBJ_RADIUS, gripExtra: 0.003, xzSuccessMargin: 0.01 },
    );
    let reward = hamacherProduct(objectGrasped, inPlace);
    if (tcpToObj < 0.01 && tcpOpened > 0 && tcpOpened < 0.55 && targetToObjInit - targetToObj > 0.01) reward += 1 + 5 * inPlace;
    if (targetToObj < TARGET_RADIUS) reward = 10;
    return {
      reward,
      info: {
        success: targetToObj <= 0.07 ? 1 : 0,
        near_object: tcpToObj <= 0.03 ? 1 : 0,
        grasp_success: this.touchingMainObject() && tcpOpened > 0 && obj[2] - 0.02 > this.objInitPos[2] ? 1 : 0,
        grasp_reward: objectGrasped,
        in_place_reward: inPlace,
        obj_to_target: targetToObj,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'push-back-v2', scene: 'sawyer_push_back_v3.xml', Env: SawyerPushBackV2 });
