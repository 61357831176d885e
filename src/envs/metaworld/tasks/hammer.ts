/** hammer-v2: pick up a hammer and drive a nail into a box. */
import { dist, norm, tolerance } from '../rewards.ts';
import { defineTask, evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const HAMMER_HANDLE_LENGTH = 0.14;
/** The hammer's head relative to its body position. */
const HEAD_OFFSET = [0.16, 0.06, 0] as const;

export class SawyerHammerV2 extends SawyerXYZEnv {
  protected override mainObjectGeom = 'HammerHandle';

  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.4, 0.2],
      randomResetLow: [-0.1, 0.4, 0],
      randomResetHigh: [0.1, 0.5, 0],
      goalLow: [0.2399, 0.7399, 0.109],
      goalHigh: [0.2401, 0.7401, 0.111],
    });
  }

  protected objectPositions(): Float64Array {
    const p = new Float64Array(6);
    p.set(this.bodyPos('hammer'), 0);
    p.set(this.bodyPos('nail_link'), 3);
    return p;
  }

  protected objectQuaternions(): Float64Array {
    const q = new Float64Array(8);
    q.set(this.bodyQuat('hammer'), 0);
    q.set(this.bodyQuat('nail_link'), 4);
    return q;
  }

  protected resetModel(): void {
    this.resetHand();
    // The box with the nail does not move between episodes.
    this.setBodyPos('box', [0.24, 0.85, 0]);
    this.targetPos = this.sitePos('goal');
    this.objInitPos = this.randomResetVector();
    this.setObjXyz(this.objInitPos);
  }

  /** Ideal lying hammer has quaternion (1, 0, 0, 0); the distance to it approximates the angle. */
  private static quatReward(obs: Float64Array): number {
    const error = norm([obs[7] - 1, obs[8], obs[9], obs[10]]);
    return Math.max(1 - error / 0.4, 0);
  }

  private static posReward(hammerHead: ArrayLike<number>, target: ArrayLike<number>): number {
    const lifted = hammerHead[2] > 0.02 ? 1 : 0;
    return 0.1 * lifted + 0.9 * tolerance(dist(target, hammerHead), { bounds: [0, 0.02], margin: 0.2, sigmoid: 'long_tail' });
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const hand = obs.subarray(0, 3);
    const hammer = obs.subarray(4, 7);
    const hammerHead = [hammer[0] + HEAD_OFFSET[0], hammer[1] + HEAD_OFFSET[1], hammer[2] + HEAD_OFFSET[2]];
    // The caging reward treats objects as spheres: along the handle, snap the hammer's x to the hand's.
    const hammerThreshed = Float64Array.from(hammer);
    if (Math.abs(hammer[0] - hand[0]) < HAMMER_HANDLE_LENGTH / 2) hammerThreshed[0] = hand[0];
    const rewardQuat = SawyerHammerV2.quatReward(obs);
    const rewardGrab = this.gripperCagingReward(action, hammerThreshed, {
      objectReachRadius: 0.01,
      objRadius: 0.015,
      padSuccessThresh: 0.02,
      xzThresh: 0.01,
      highDensity: true,
    });
    const rewardInPlace = SawyerHammerV2.posReward(hammerHead, this.targetPos);
    let reward = (2 * rewardGrab + 6 * rewardInPlace) * rewardQuat;
    // The nail is in; only a good-looking episode (reward > 5) gets the full reward, as the metric is easy to hack.
    const success = this.qpos[this.jointQposAdr('NailSlideJoint')] > 0.09;
    if (success && reward > 5) reward = 10;
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

export default defineTask({ name: 'hammer-v2', scene: 'sawyer_hammer.xml', Env: SawyerHammerV2 });
