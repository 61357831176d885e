/** sweep-v2: sweep a block sideways off the table's edge. */
import { padCagingReward } from '../pad-caging-reward.ts';
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const OBJ_RADIUS = 0.02;
const TARGET_RADIUS = 0.05;
/** The goal beside the table; its y follows the block's sampled y. */
const GOAL = [0.5, 0.65, 0.01] as const;
/** init_config['obj_init_pos'][2]: the height the block is dropped from. */
const OBJ_INIT_Z = 0.02;

export class SawyerSweepV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.1, 0.6, 0.02],
      randomResetHigh: [0.1, 0.7, 0.02],
      goalLow: [0.49, 0.6, 0],
      goalHigh: [0.51, 0.7, 0.02],
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
    const v = this.randomResetVector();
    this.objInitPos = Float64Array.of(v[0], v[1], OBJ_INIT_Z);
    this.targetPos = Float64Array.of(GOAL[0], v[1], GOAL[2]);
    this.setObjXyz(this.objInitPos);
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const tcp = this.tcpCenter();
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const objToTarget = dist(obj, this.targetPos);
    const tcpToObj = dist(obj, tcp);
    const inPlace = tolerance(objToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, this.targetPos),
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
      { objRadius: OBJ_RADIUS, gripExtra: 0.01, xzSuccessMargin: 0.005 },
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

export default defineTask({ name: 'sweep-v2', scene: 'sawyer_sweep_v3.xml', Env: SawyerSweepV2 });
