/** lever-pull-v2: swing a lever up until it points straight up. */
import { dist, hamacherProduct, norm, tolerance } from '../rewards.ts';
import { defineTask, evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const LEVER_RADIUS = 0.2;

export class SawyerLeverPullV2 extends SawyerXYZEnv {
  /** Where the lever's tip starts (upstream `_lever_pos_init`). */
  private leverPosInit: Float64Array = new Float64Array(3);

  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, -0.15],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.4), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.7, 0],
      randomResetHigh: [0.1, 0.8, 0],
    });
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('leverStart');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('objGeom');
  }

  protected resetModel(): void {
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.setBodyPos('lever', this.objInitPos);
    const [x, y, z] = this.objInitPos;
    this.leverPosInit = Float64Array.of(x + 0.12, y - LEVER_RADIUS, z + 0.25);
    this.targetPos = Float64Array.of(x + 0.12, y, z + 0.25 + LEVER_RADIUS);
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array): Evaluation {
    const gripper = obs.subarray(0, 3);
    const lever = obs.subarray(4, 7);
    // Bring the arm's "shoulder" (above and behind the fingers) under the lever; y matters less.
    const scale = [4, 1, 4];
    const offset = [0, 0.055, 0.07];
    const shoulderToLever = [0, 1, 2].map((i) => (gripper[i] + offset[i] - lever[i]) * scale[i]);
    const shoulderToLeverInit = [0, 1, 2].map((i) => (this.initTcp[i] + offset[i] - this.leverPosInit[i]) * scale[i]);
    const readyToLift = tolerance(norm(shoulderToLever), {
      bounds: [0, 0.02],
      margin: norm(shoulderToLeverInit),
      sigmoid: 'long_tail',
    });

    const leverAngle = -this.qpos[this.jointQposAdr('LeverAxis')];
    const leverError = Math.abs(leverAngle - Math.PI / 2);
    const leverEngagement = tolerance(leverError, {
      bounds: [0, Math.PI / 48],
      margin: Math.PI / 2 - Math.PI / 12,
      sigmoid: 'long_tail',
    });

    const objToTarget = dist(lever, this.targetPos);
    const inPlace = tolerance(objToTarget, {
      bounds: [0, 0.04],
      margin: dist(this.leverPosInit, this.targetPos),
      sigmoid: 'long_tail',
    });
    const reward = 10 * hamacherProduct(readyToLift, inPlace);
    return evaluation(reward, {
      success: leverError <= Math.PI / 24,
      nearObject: norm(shoulderToLever) < 0.03,
      graspSuccess: readyToLift > 0.9,
      graspReward: readyToLift,
      inPlaceReward: leverEngagement,
      objToTarget: norm(shoulderToLever),
    });
  }
}

export default defineTask({ name: 'lever-pull-v2', scene: 'sawyer_lever_pull.xml', Env: SawyerLeverPullV2 });
