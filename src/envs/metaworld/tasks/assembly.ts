/** assembly-v2: pick up a nut (wrench) by its handle and drop it over a peg. */
import { norm, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const WRENCH_HANDLE_LENGTH = 0.02;
const GOAL_LOW = [-0.1, 0.75, 0.1] as const;
const GOAL_HIGH = [0.1, 0.85, 0.1] as const;

export class SawyerNutAssemblyV2 extends SawyerXYZEnv {
  protected override mainObjectGeom = 'WrenchHandle';

  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [0, 0.6, 0.02, ...GOAL_LOW],
      randomResetHigh: [0, 0.6, 0.02, ...GOAL_HIGH],
      goalLow: GOAL_LOW,
      goalHigh: GOAL_HIGH,
    });
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('RoundNut-8');
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('RoundNut');
  }

  protected resetModel(): void {
    this.resetHand();
    let v = this.randomResetVector();
    while (Math.hypot(v[0] - v[3], v[1] - v[4]) < 0.1) v = this.randomResetVector();
    this.objInitPos = v.slice(0, 3);
    this.targetPos = v.slice(3, 6);
    this.setObjXyz(this.objInitPos);
    this.setBodyPos('peg', [this.targetPos[0], this.targetPos[1], this.targetPos[2] - 0.05]);
    // (upstream writes the goal's world position into the peg-relative site: only the rendering notices)
    this.setSitePos('pegTop', this.targetPos);
  }

  /** Ideal lying wrench has quaternion (0.707, 0, 0, 0.707); the distance to it approximates the angle. */
  private static quatReward(obs: Float64Array): number {
    const error = norm([obs[7] - 0.707, obs[8], obs[9], obs[10] - 0.707]);
    return Math.max(1 - error / 0.4, 0);
  }

  /** [in-place reward, success]: the nut's centre must come down around the peg, guided by a funnel. */
  private static posReward(wrenchCenter: ArrayLike<number>, target: ArrayLike<number>): [number, boolean] {
    const error = [target[0] - wrenchCenter[0], target[1] - wrenchCenter[1], target[2] - wrenchCenter[2]];
    const radius = Math.hypot(error[0], error[1]);
    const success = radius < 0.02 && error[2] > 0;
    // Once placed, widen the funnel's neck: no need for more precision.
    const threshold = success ? 0.02 : 0.01;
    const targetHeight = radius > threshold ? 0.02 * Math.log(radius - threshold) + 0.2 : 0;
    error[2] = targetHeight - wrenchCenter[2];
    const lifted = wrenchCenter[2] > 0.02 || radius < threshold ? 1 : 0;
    const inPlace = 0.1 * lifted + 0.9 * tolerance(norm([error[0], error[1], 3 * error[2]]), { bounds: [0, 0.02], margin: 0.4, sigmoid: 'long_tail' });
    return [inPlace, success];
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const hand = obs.subarray(0, 3);
    const wrench = obs.subarray(4, 7);
    const wrenchCenter = this.sitePos('RoundNut');
    // The caging reward treats objects as spheres: along the handle, snap the wrench's x to the hand's.
    const wrenchThreshed = Float64Array.from(wrench);
    if (Math.abs(wrench[0] - hand[0]) < WRENCH_HANDLE_LENGTH / 2) wrenchThreshed[0] = hand[0];
    const rewardQuat = SawyerNutAssemblyV2.quatReward(obs);
    const rewardGrab = this.gripperCagingReward(action, wrenchThreshed, {
      objectReachRadius: 0.01,
      objRadius: 0.015,
      padSuccessThresh: 0.02,
      xzThresh: 0.01,
      mediumDensity: true,
    });
    const [rewardInPlace, success] = SawyerNutAssemblyV2.posReward(wrenchCenter, this.targetPos);
    const reward = success ? 10 : (2 * rewardGrab + 6 * rewardInPlace) * rewardQuat;
    return {
      reward,
      info: {
        success: success ? 1 : 0,
        near_object: rewardQuat,
        grasp_success: rewardGrab >= 0.5 ? 1 : 0,
        grasp_reward: rewardGrab,
        in_place_reward: rewardInPlace,
        obj_to_target: 0,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'assembly-v2', scene: 'sawyer_assembly_peg.xml', Env: SawyerNutAssemblyV2 });
