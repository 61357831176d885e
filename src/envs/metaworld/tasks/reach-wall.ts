/** reach-wall-v2: reach a goal behind a wall with the gripper. */
import { dist, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;

export class SawyerReachWallV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.05, 0.6, 0.015, -0.05, 0.85, 0.05],
      randomResetHigh: [0.05, 0.65, 0.015, 0.05, 0.9, 0.3],
      goalLow: [-0.05, 0.85, 0.05],
      goalHigh: [0.05, 0.9, 0.3],
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
    let v = this.randomResetVector();
    while (Math.hypot(v[0] - v[3], v[1] - v[4]) < 0.15) v = this.randomResetVector();
    this.targetPos = v.slice(3, 6);
    this.objInitPos = v.slice(0, 3);
    this.setObjXyz(this.objInitPos);
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(): Evaluation {
    const tcpToTarget = dist(this.tcpCenter(), this.targetPos);
    const inPlace = tolerance(tcpToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.handInitPos, this.targetPos),
      sigmoid: 'long_tail',
    });
    const reward = 10 * inPlace;
    return {
      reward,
      info: {
        success: tcpToTarget <= 0.05 ? 1 : 0,
        near_object: 0,
        grasp_success: 0,
        grasp_reward: 0,
        in_place_reward: inPlace,
        obj_to_target: tcpToTarget,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'reach-wall-v2', scene: 'sawyer_reach_wall_v3.xml', Env: SawyerReachWallV2 });
