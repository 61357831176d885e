/** disassemble-v2: lift a nut (wrench) off its peg. */
import { dist, norm, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const WRENCH_HANDLE_LENGTH = 0.02;
const GOAL_LOW = [-0.1, 0.6, 0.1699] as const;
const GOAL_HIGH = [0.1, 0.75, 0.1701] as const;

export class SawyerNutDisassembleV2 extends SawyerXYZEnv {
  protected override mainObjectGeom = 'WrenchHandle';
  private readonly pegHome: Float64Array;

  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.4), Math.fround(0.2)],
      randomResetLow: [0, 0.6, 0.025, ...GOAL_LOW],
      randomResetHigh: [0.1, 0.75, 0.02501, ...GOAL_HIGH],
      goalLow: [GOAL_LOW[0], GOAL_LOW[1], GOAL_LOW[2] + 0.005],
      goalHigh: [GOAL_HIGH[0], GOAL_HIGH[1], GOAL_HIGH[2] + 0.005],
    });
    this.pegHome = this.modelView('body_pos').slice(3 * this.bodyId('peg'), 3 * this.bodyId('peg') + 3);
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('RoundNut-8');
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('RoundNut');
  }

  protected resetModel(): void {
    // Upstream leaves the peg where the last episode put it while the hand resets, where it can strike the
    // nut (back at its XML pose): put the peg home first so a seed fixes the episode.
    this.setBodyPos('peg', this.pegHome);
    this.resetHand();
    let v = this.randomResetVector();
    while (Math.hypot(v[0] - v[3], v[1] - v[4]) < 0.1) v = this.randomResetVector();
    this.objInitPos = v.slice(0, 3);
    const [x, y, z] = this.objInitPos;
    this.targetPos = Float64Array.of(x, y, z + 0.15);
    this.setBodyPos('peg', [x, y, z + 0.03]);
    this.setSitePos('pegTop', [x, y, z + 0.08]);
    this.forward();
    this.setObjXyz(this.objInitPos);
  }

  /** Ideal lying wrench has quaternion (0.707, 0, 0, 0.707); the distance to it approximates the angle. */
  private static quatReward(obs: Float64Array): number {
    const error = norm([obs[7] - 0.707, obs[8], obs[9], obs[10] - 0.707]);
    return Math.max(1 - error / 0.4, 0);
  }

  private static posReward(wrenchCenter: ArrayLike<number>, target: ArrayLike<number>): number {
    const above = [target[0], target[1], target[2] + 0.1];
    const lifted = wrenchCenter[2] > 0.02 ? 1 : 0;
    return 0.1 * lifted + 0.9 * tolerance(dist(above, wrenchCenter), { bounds: [0, 0.02], margin: 0.2, sigmoid: 'long_tail' });
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const hand = obs.subarray(0, 3);
    const wrench = obs.subarray(4, 7);
    const wrenchCenter = this.sitePos('RoundNut');
    // The caging reward treats objects as spheres: along the handle, snap the wrench's x to the hand's.
    const wrenchThreshed = Float64Array.from(wrench);
    if (Math.abs(wrench[0] - hand[0]) < WRENCH_HANDLE_LENGTH / 2) wrenchThreshed[0] = hand[0];
    const rewardQuat = SawyerNutDisassembleV2.quatReward(obs);
    const rewardGrab = this.gripperCagingReward(action, wrenchThreshed, {
      objectReachRadius: 0.01,
      objRadius: 0.015,
      padSuccessThresh: 0.02,
      xzThresh: 0.01,
      highDensity: true,
    });
    const rewardInPlace = SawyerNutDisassembleV2.posReward(wrenchCenter, this.targetPos);
    const success = obs[6] > this.targetPos[2];
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

export default defineTask({ name: 'disassemble-v2', scene: 'sawyer_assembly_peg.xml', Env: SawyerNutDisassembleV2 });
