/** faucet-close-v2: turn the faucet handle to the left (-x). */
import { dist, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const HANDLE_LENGTH = 0.175;
const TARGET_RADIUS = 0.07;
const REACH_RADIUS = 0.01;

export class SawyerFaucetCloseV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    const handLow = [-0.5, 0.4, -0.15] as const;
    const handHigh = [0.5, 1, 0.5] as const;
    super(ctx, {
      handLow,
      handHigh,
      handInitPos: [0, 0.4, 0.2],
      randomResetLow: [-0.1, 0.8, 0],
      randomResetHigh: [0.1, 0.85, 0],
      goalLow: handLow,
      goalHigh: handHigh,
    });
  }

  /** The handle's start point, 1 cm lower. */
  protected objectPositions(): Float64Array {
    const p = this.sitePos('handleStartClose');
    p[2] -= 0.01;
    return p;
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('faucetBase');
  }

  protected resetModel(): void {
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.setBodyPos('faucetBase', this.objInitPos);
    this.targetPos = Float64Array.of(this.objInitPos[0] - HANDLE_LENGTH, this.objInitPos[1], this.objInitPos[2] + 0.125);
    this.setSitePos('goal_close', this.targetPos);
  }

  evaluateState(obs: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const tcp = this.tcpCenter();
    const targetToObj = dist(obj, this.targetPos);
    const targetToObjInit = dist(this.objInitPos, this.targetPos);
    const inPlace = tolerance(targetToObj, {
      bounds: [0, TARGET_RADIUS],
      margin: Math.abs(targetToObjInit - TARGET_RADIUS),
      sigmoid: 'long_tail',
    });
    const tcpToObj = dist(obj, tcp);
    const tcpToObjInit = dist(this.objInitPos, this.initTcp);
    const reach = tolerance(tcpToObj, {
      bounds: [0, REACH_RADIUS],
      margin: Math.abs(tcpToObjInit - REACH_RADIUS),
      sigmoid: 'gaussian',
    });
    const success = targetToObj <= TARGET_RADIUS;
    const reward = success ? 10 : 2 * (2 * reach + 3 * inPlace);
    return {
      reward,
      info: {
        success: success ? 1 : 0,
        near_object: tcpToObj <= REACH_RADIUS ? 1 : 0,
        grasp_success: 1,
        grasp_reward: reach,
        in_place_reward: inPlace,
        obj_to_target: targetToObj,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'faucet-close-v2', scene: 'sawyer_faucet.xml', Env: SawyerFaucetCloseV2 });
