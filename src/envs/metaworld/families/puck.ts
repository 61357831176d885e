/**
 * An object on the v3 tables and a goal, sampled at least 15 cm apart: reach, push, pick-place (and
 * their -wall versions), push-back. The family places them; each task file gives its reward.
 */
import { dist, tolerance } from '../rewards.ts';
import { evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext, type XYZ } from '../task.ts';

const TARGET_RADIUS = 0.05;

/** The caging options upstream gives a puck (push, push-wall, pick-place-wall; hand-insert's block too). */
export const PUCK_CAGING = { objectReachRadius: 0.01, objRadius: 0.015, padSuccessThresh: 0.05, xzThresh: 0.005 } as const;

export interface PuckVariant {
  puckLow: XYZ;
  puckHigh: XYZ;
  goalLow: XYZ;
  goalHigh: XYZ;
  /** Default [0, 0.6, 0.2]. */
  handInitPos?: XYZ;
  /** The observed position: the object's body, or its geom (the -wall tasks, push-back). */
  trackedBy: 'body' | 'geom';
  /** Upstream fix_extreme_obj_pos / adjust_initObjPos: start and goal at the object's resting height in the settled scene (push tasks). */
  restsOnTable?: boolean;
  /** pick-place: read the finger pads' start positions again after the hand reset. */
  refreshPadsAtReset?: boolean;
}

export abstract class SawyerPuckEnv extends SawyerXYZEnv {
  private readonly variant: PuckVariant;

  constructor(ctx: SawyerContext, variant: PuckVariant) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: variant.handInitPos ?? [0, 0.6, 0.2],
      randomResetLow: [...variant.puckLow, ...variant.goalLow],
      randomResetHigh: [...variant.puckHigh, ...variant.goalHigh],
      goalLow: variant.goalLow,
      goalHigh: variant.goalHigh,
    });
    this.variant = variant;
  }

  protected objectPositions(): Float64Array {
    return this.variant.trackedBy === 'body' ? this.bodyPos('obj') : this.geomPos('objGeom');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('objGeom');
  }

  protected resetModel(): void {
    this.resetHand();
    const restZ = this.variant.restsOnTable ? this.objectPositions()[2] : undefined;
    const v = this.randomResetVectorApart(0.15);
    this.targetPos = restZ === undefined ? v.slice(3, 6) : Float64Array.of(v[3], v[4], restZ);
    this.objInitPos = restZ === undefined ? v.slice(0, 3) : Float64Array.of(v[0], v[1], restZ);
    if (this.variant.refreshPadsAtReset) {
      this.initTcp = this.tcpCenter();
      this.initLeftPad = this.bodyPos('leftpad');
      this.initRightPad = this.bodyPos('rightpad');
    }
    this.setObjXyz(this.objInitPos);
    this.setSitePos('goal', this.targetPos);
  }

  /**
   * The -wall tasks' in-place terms: towards a waypoint past the wall (errors scaled per axis), and
   * towards the goal.
   */
  protected wallInPlace(obj: ArrayLike<number>, waypoint: ArrayLike<number>, scaling: XYZ): [number, number] {
    const scaledDist = (p: ArrayLike<number>): number => Math.hypot(...[0, 1, 2].map((i) => (p[i] - waypoint[i]) * scaling[i]));
    const towardsWaypoint = tolerance(scaledDist(obj), {
      bounds: [0, TARGET_RADIUS],
      margin: scaledDist(this.objInitPos),
      sigmoid: 'long_tail',
    });
    const towardsGoal = tolerance(dist(obj, this.targetPos), {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, this.targetPos),
      sigmoid: 'long_tail',
    });
    return [towardsWaypoint, towardsGoal];
  }
}

export interface ReachVariant extends PuckVariant {
  /** reach reports the hand's distance to the goal as near_object and grasp_reward (and grasp_success 1); reach-wall zeros. */
  infoReportsDistance: boolean;
}

/** reach and reach-wall: the gripper centre to the goal. */
export class SawyerReachEnv extends SawyerPuckEnv {
  private readonly infoReportsDistance: boolean;

  constructor(ctx: SawyerContext, variant: ReachVariant) {
    super(ctx, variant);
    this.infoReportsDistance = variant.infoReportsDistance;
  }

  evaluateState(): Evaluation {
    const tcpToTarget = dist(this.tcpCenter(), this.targetPos);
    const inPlace = tolerance(tcpToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.handInitPos, this.targetPos),
      sigmoid: 'long_tail',
    });
    const reward = 10 * inPlace;
    const reported = this.infoReportsDistance ? tcpToTarget : 0;
    return evaluation(reward, {
      success: tcpToTarget <= 0.05,
      nearObject: reported,
      graspSuccess: this.infoReportsDistance ? 1 : 0,
      graspReward: reported,
      inPlaceReward: inPlace,
      objToTarget: tcpToTarget,
    });
  }
}
