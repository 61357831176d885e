/** drawer-open-v2: pull a drawer open by its handle. */
import { dist, norm, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const MAX_DIST = 0.2;

export class SawyerDrawerOpenV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    const handLow = [-0.5, 0.4, 0.05] as const;
    const handHigh = [0.5, 1, 0.5] as const;
    super(ctx, {
      handLow,
      handHigh,
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.9, 0],
      randomResetHigh: [0.1, 0.9, 0],
      goalLow: handLow,
      goalHigh: handHigh,
    });
  }

  /** The handle: 16 cm in front of the drawer body. */
  protected objectPositions(): Float64Array {
    const p = this.bodyPos('drawer_link');
    p[1] -= 0.16;
    return p;
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('drawer_link');
  }

  protected resetModel(): void {
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.setBodyPos('drawer', this.objInitPos);
    this.targetPos = Float64Array.of(this.objInitPos[0], this.objInitPos[1] - 0.16 - MAX_DIST, this.objInitPos[2] + 0.09);
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array): Evaluation {
    const gripper = obs.subarray(0, 3);
    const handle = obs.subarray(4, 7);
    const handleError = dist(handle, this.targetPos);
    const openingReward = tolerance(handleError, { bounds: [0, 0.02], margin: MAX_DIST, sigmoid: 'long_tail' });
    // XY errors weigh 3x so the gripper can drop down and cage the handle without running into it.
    const scale = [3, 3, 1];
    const handleInit = [this.targetPos[0], this.targetPos[1] + MAX_DIST, this.targetPos[2]];
    const gripperError = [0, 1, 2].map((i) => (handle[i] - gripper[i]) * scale[i]);
    const gripperErrorInit = [0, 1, 2].map((i) => (handleInit[i] - this.initTcp[i]) * scale[i]);
    const cagingReward = tolerance(norm(gripperError), { bounds: [0, 0.01], margin: norm(gripperErrorInit), sigmoid: 'long_tail' });
    const reward = 5 * (cagingReward + openingReward);
    const gripperToHandle = dist(handle, gripper);
    return {
      reward,
      info: {
        success: handleError <= 0.03 ? 1 : 0,
        near_object: gripperToHandle <= 0.03 ? 1 : 0,
        grasp_success: obs[3] > 0 ? 1 : 0,
        grasp_reward: cagingReward,
        in_place_reward: openingReward,
        obj_to_target: handleError,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'drawer-open-v2', scene: 'sawyer_drawer.xml', Env: SawyerDrawerOpenV2 });
