/** assembly and disassemble: grasp a nut (wrench) by its handle and put it over its peg or lift it off. */
import { norm } from '../rewards.ts';
import { evaluation, SawyerXYZEnv, type Evaluation, type SawyerConfig, type SawyerContext } from '../task.ts';

const WRENCH_HANDLE_LENGTH = 0.02;

export type NutVariant = Pick<SawyerConfig, 'handInitPos' | 'randomResetLow' | 'randomResetHigh' | 'goalLow' | 'goalHigh'> & {
  /** The grab term's caging density. */
  grabDensity: 'medium' | 'high';
};

/** The reward's grab and orientation terms; a task file places nut and peg and scores the placement. */
export abstract class SawyerNutEnv extends SawyerXYZEnv {
  protected override mainObjectGeom = 'WrenchHandle';
  private readonly grabDensity: NutVariant['grabDensity'];

  constructor(ctx: SawyerContext, variant: NutVariant) {
    const { grabDensity, ...config } = variant;
    super(ctx, { handLow: [-0.5, 0.4, 0.05], handHigh: [0.5, 1, 0.5], ...config });
    this.grabDensity = grabDensity;
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('RoundNut-8');
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('RoundNut');
  }

  /** [in-place reward, success] of the nut's centre. */
  protected abstract placement(wrenchCenter: ArrayLike<number>, obs: Float64Array): [number, boolean];

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const hand = obs.subarray(0, 3);
    const wrench = obs.subarray(4, 7);
    const wrenchCenter = this.sitePos('RoundNut');
    // The caging reward treats objects as spheres: along the handle, snap the wrench's x to the hand's.
    const wrenchThreshed = Float64Array.from(wrench);
    if (Math.abs(wrench[0] - hand[0]) < WRENCH_HANDLE_LENGTH / 2) wrenchThreshed[0] = hand[0];
    // Ideal lying wrench has quaternion (0.707, 0, 0, 0.707); the distance to it approximates the angle.
    const rewardQuat = Math.max(1 - norm([obs[7] - 0.707, obs[8], obs[9], obs[10] - 0.707]) / 0.4, 0);
    const rewardGrab = this.gripperCagingReward(action, wrenchThreshed, {
      objectReachRadius: 0.01,
      objRadius: 0.015,
      padSuccessThresh: 0.02,
      xzThresh: 0.01,
      mediumDensity: this.grabDensity === 'medium',
      highDensity: this.grabDensity === 'high',
    });
    const [rewardInPlace, success] = this.placement(wrenchCenter, obs);
    const reward = success ? 10 : (2 * rewardGrab + 6 * rewardInPlace) * rewardQuat;
    return evaluation(reward, {
      success,
      nearObject: rewardQuat,
      graspSuccess: rewardGrab >= 0.5,
      graspReward: rewardGrab,
      inPlaceReward: rewardInPlace,
      objToTarget: 0,
    });
  }
}
