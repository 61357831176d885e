/** box-close-v2: pick up a lid by its handle and put it on a box. */
import { hamacherProduct, norm, tolerance } from '../rewards.ts';
import { defineTask, evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const GOAL_LOW = [-0.1, 0.7, 0.133] as const;
const GOAL_HIGH = [0.1, 0.8, 0.133] as const;
/** upstream stores obj_init_pos as float32; its height survives every reset */
const LID_Z = Math.fround(0.02);

export class SawyerBoxCloseV2 extends SawyerXYZEnv {
  protected override mainObjectGeom = 'BoxHandleGeom';
  private readonly boxHome: Float64Array;

  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.05, 0.5, 0.02, ...GOAL_LOW],
      randomResetHigh: [0.05, 0.55, 0.02, ...GOAL_HIGH],
      goalLow: GOAL_LOW,
      goalHigh: GOAL_HIGH,
    });
    this.boxHome = this.modelBodyPos('boxbody');
  }

  protected objectPositions(): Float64Array {
    return this.bodyPos('top_link');
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('top_link');
  }

  protected resetModel(): void {
    // Upstream leaves the box where the last episode put it while the hand resets, so the lid (back at its
    // XML pose, on the box's home) may fall off: put the box home first so a seed fixes the episode.
    this.setBodyPos('boxbody', this.boxHome);
    this.resetHand();
    const boxHeight = this.bodyPos('boxbody')[2];
    const v = this.randomResetVectorApart(0.25);
    this.objInitPos = Float64Array.of(v[0], v[1], LID_Z);
    this.targetPos = v.slice(3, 6);
    this.setBodyPos('boxbody', [this.targetPos[0], this.targetPos[1], boxHeight]);
    this.setObjXyz(this.objInitPos);
  }

  /** Ideal upright lid has quaternion (0.707, 0, 0, 0.707); the distance to it approximates the angle. */
  private static quatReward(obs: Float64Array): number {
    const error = norm([obs[7] - 0.707, obs[8], obs[9], obs[10] - 0.707]);
    return Math.max(1 - error / 0.2, 0);
  }

  /** [ready to lift (hand at the handle, never below the funnel-shaped floor), lid lifted and placed]. */
  private static posRewards(obs: Float64Array, target: ArrayLike<number>): [number, number] {
    const hand = obs.subarray(0, 3);
    const lid = [obs[4], obs[5], obs[6] + 0.02];
    const threshold = 0.02;
    const radius = Math.hypot(hand[0] - lid[0], hand[1] - lid[1]);
    const floor = radius <= threshold ? 0 : 0.04 * Math.log(radius - threshold) + 0.4;
    const aboveFloor = hand[2] >= floor ? 1 : tolerance(floor - hand[2], { bounds: [0, 0.01], margin: floor / 2, sigmoid: 'long_tail' });
    const inPlace = tolerance(norm([hand[0] - lid[0], hand[1] - lid[1], hand[2] - lid[2]]), { bounds: [0, 0.02], margin: 0.5, sigmoid: 'long_tail' });
    const readyToLift = hamacherProduct(aboveFloor, inPlace);
    // z errors count triple
    const posError = norm([target[0] - lid[0], target[1] - lid[1], 3 * (target[2] - lid[2])]);
    const lifted = 0.2 * (lid[2] > 0.04 ? 1 : 0) + 0.8 * tolerance(posError, { bounds: [0, 0.05], margin: 0.25, sigmoid: 'long_tail' });
    return [readyToLift, lifted];
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const rewardGrab = Math.min(Math.max((Math.min(Math.max(action[3], -1), 1) + 1) / 2, 0), 1);
    const rewardQuat = SawyerBoxCloseV2.quatReward(obs);
    const [readyToLift, lifted] = SawyerBoxCloseV2.posRewards(obs, this.targetPos);
    const success = Math.hypot(obs[4] - this.targetPos[0], obs[5] - this.targetPos[1], obs[6] - this.targetPos[2]) < 0.08;
    // A strong weight on the lid's orientation: otherwise agents learn to kick-flip it onto the box.
    const reward = (success ? 10 : 2 * hamacherProduct(rewardGrab, readyToLift) + 8 * lifted) * rewardQuat;
    return evaluation(reward, {
      success,
      nearObject: readyToLift,
      graspSuccess: rewardGrab >= 0.5,
      graspReward: rewardGrab,
      inPlaceReward: lifted,
      objToTarget: 0,
    });
  }
}

export default defineTask({ name: 'box-close-v2', scene: 'sawyer_box.xml', Env: SawyerBoxCloseV2 });
