/** sweep and sweep-into: sweep a block across the table, off its edge (sweep) or into a hole (sweep-into). */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext, type XYZ } from '../task.ts';

const OBJ_RADIUS = 0.02;
const TARGET_RADIUS = 0.05;

export interface SweepVariant {
  randomResetLow: readonly number[];
  randomResetHigh: readonly number[];
  goalLow: XYZ;
  goalHigh: XYZ;
  /** The block's observed quaternion: its body's (w, x, y, z), or its geom's scipy (x, y, z, w). */
  quaternion: 'body' | 'geom';
  /** The target is the goal at the block's current height (sweep-into's hole), not the goal itself. */
  targetAtBlockHeight: boolean;
  /** Pad caging margins (`padCagingReward`). */
  gripExtra: number;
  xzSuccessMargin: number;
}

/** The reward; a task file places block and goal (`resetModel`). */
export abstract class SawyerSweepEnv extends SawyerXYZEnv {
  private readonly variant: SweepVariant;

  constructor(ctx: SawyerContext, variant: SweepVariant) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: variant.randomResetLow,
      randomResetHigh: variant.randomResetHigh,
      goalLow: variant.goalLow,
      goalHigh: variant.goalHigh,
    });
    this.variant = variant;
  }

  protected objectPositions(): Float64Array {
    return this.bodyPos('obj');
  }

  protected objectQuaternions(): Float64Array {
    return this.variant.quaternion === 'body' ? this.bodyQuat('obj') : this.geomQuatXYZW('objGeom');
  }

  evaluateState(obs: Float64Array): Evaluation {
    const { gripExtra, xzSuccessMargin } = this.variant;
    const tcp = this.tcpCenter();
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const target = this.variant.targetAtBlockHeight ? [this.targetPos[0], this.targetPos[1], obj[2]] : this.targetPos;
    const objToTarget = dist(obj, target);
    const tcpToObj = dist(obj, tcp);
    const inPlace = tolerance(objToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, target),
      sigmoid: 'long_tail',
    });
    const objectGrasped = this.padCaging(obj, { objRadius: OBJ_RADIUS, gripExtra, xzSuccessMargin });
    let reward = 2 * objectGrasped + 6 * hamacherProduct(objectGrasped, inPlace);
    if (objToTarget < TARGET_RADIUS) reward = 10;
    return evaluation(reward, {
      success: objToTarget <= 0.05,
      nearObject: tcpToObj <= 0.03,
      graspSuccess: this.touchingMainObject() && tcpOpened > 0,
      graspReward: objectGrasped,
      inPlaceReward: inPlace,
      objToTarget,
    });
  }
}
