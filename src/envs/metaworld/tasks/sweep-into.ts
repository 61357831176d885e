/** sweep-into-v2: sweep a block across the table into a hole. */
import { padCagingReward } from '../pad-caging-reward.ts';
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const OBJ_RADIUS = 0.02;
const TARGET_RADIUS = 0.05;
/** The hole. Upstream samples a goal too but never uses it: the target is always this point. */
const GOAL = [0, 0.84, 0.02] as const;

export class SawyerSweepIntoGoalV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.1, 0.6, 0.02, -0.001, 0.8399, 0.0199],
      randomResetHigh: [0.1, 0.7, 0.02, 0.001, 0.8401, 0.0201],
      goalLow: [-0.001, 0.8399, 0.0199],
      goalHigh: [0.001, 0.8401, 0.0201],
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
    this.targetPos = Float64Array.from(GOAL);
    const objZ = this.bodyPos('obj')[2];
    let v = this.randomResetVector();
    while (Math.hypot(v[0] - GOAL[0], v[1] - GOAL[1]) < 0.15) v = this.randomResetVector();
    this.objInitPos = Float64Array.of(v[0], v[1], objZ);
    this.setObjXyz(this.objInitPos);
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const tcp = this.tcpCenter();
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    // The target is the hole's centre at the block's current height.
    const target = [this.targetPos[0], this.targetPos[1], obj[2]];
    const objToTarget = dist(obj, target);
    const tcpToObj = dist(obj, tcp);
    const inPlace = tolerance(objToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, target),
      sigmoid: 'long_tail',
    });
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
      { objRadius: OBJ_RADIUS, gripExtra: 0.005, xzSuccessMargin: 0.01 },
    );
    let reward = 2 * objectGrasped + 6 * hamacherProduct(objectGrasped, inPlace);
    if (objToTarget < TARGET_RADIUS) reward = 10;
    return {
      reward,
      info: {
        success: objToTarget <= 0.05 ? 1 : 0,
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

export default defineTask({ name: 'sweep-into-v2', scene: 'sawyer_table_with_hole.xml', Env: SawyerSweepIntoGoalV2 });
