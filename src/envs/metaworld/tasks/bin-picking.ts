/** bin-picking-v2: pick a cube out of one bin and drop it into the other. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;
const GOAL_LOW = [0.1199, 0.699, -0.001] as const;
const GOAL_HIGH = [0.1201, 0.701, 0.001] as const;

export class SawyerBinPickingV2 extends SawyerXYZEnv {
  /** Upstream `_target_to_obj_init`: the object-goal distance at the episode's first reward. */
  private targetToObjInit: number | null = null;

  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.07],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.21, 0.65, 0.02, ...GOAL_LOW],
      randomResetHigh: [-0.03, 0.75, 0.02, ...GOAL_HIGH],
      goalLow: GOAL_LOW,
      goalHigh: GOAL_HIGH,
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
    const objHeight = this.bodyPos('obj')[2];
    const v = this.randomResetVector();
    this.objInitPos = Float64Array.of(v[0], v[1], objHeight);
    this.setObjXyz(this.objInitPos);
    this.targetPos = this.bodyPos('bin_goal');
    this.targetToObjInit = null;
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const hand = obs.subarray(0, 3);
    const obj = obs.subarray(4, 7);
    const targetToObj = dist(obj, this.targetPos);
    this.targetToObjInit ??= targetToObj;
    const inPlace = tolerance(targetToObj, { bounds: [0, TARGET_RADIUS], margin: this.targetToObjInit, sigmoid: 'long_tail' });

    // The floor is a pair of funnels around the start and goal positions: keep the hand above the bin walls.
    const threshold = 0.03;
    const floor = Math.min(
      ...[dist(hand, this.objInitPos, 2), dist(hand, this.targetPos, 2)].map((r) => (r > threshold ? 0.02 * Math.log(r - threshold) + 0.2 : 0)),
    );
    const aboveFloor =
      hand[2] >= floor ? 1 : tolerance(Math.max(floor - hand[2], 0), { bounds: [0, 0.01], margin: 0.05, sigmoid: 'long_tail' });

    const objectGrasped = this.gripperCagingReward(action, obj, {
      objRadius: 0.015,
      padSuccessThresh: 0.05,
      objectReachRadius: 0.01,
      xzThresh: 0.01,
      desiredGripperEffort: 0.7,
      highDensity: true,
    });
    let reward = hamacherProduct(objectGrasped, inPlace);
    const nearObject = dist(obj, hand) < 0.04;
    const pinchedWithoutObj = obs[3] < 0.43;
    const lifted = obj[2] - 0.02 > this.objInitPos[2];
    const graspSuccess = nearObject && lifted && !pinchedWithoutObj;
    if (graspSuccess) reward += 1 + 5 * hamacherProduct(aboveFloor, inPlace);
    if (targetToObj < TARGET_RADIUS) reward = 10;
    return evaluation(reward, {
      success: targetToObj <= 0.05,
      nearObject,
      graspSuccess,
      graspReward: objectGrasped,
      inPlaceReward: inPlace,
      objToTarget: targetToObj,
    });
  }
}

export default defineTask({ name: 'bin-picking-v2', scene: 'sawyer_bin_picking.xml', Env: SawyerBinPickingV2 });
