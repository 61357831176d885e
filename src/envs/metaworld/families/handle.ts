/**
 * The handle tasks: a handle on a box, in front of the robot (handle-press, handle-pull) or sticking
 * out sideways from a box on the left (handle-press-side, handle-pull-side); press it down or pull it up.
 */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext, type XYZ } from '../task.ts';

const PRESS_TARGET_RADIUS = 0.02;
const HANDLE_RADIUS = 0.02;
const PULL_TARGET_RADIUS = 0.05;

export interface HandleBox {
  /** Where the box may stand. */
  boxLow: XYZ;
  boxHigh: XYZ;
  /** The goal's observation bounds (default: the hand's). */
  goalLow?: XYZ;
  goalHigh?: XYZ;
}

interface HandleJoint {
  site: string;
  /** The handle joint's qpos[9] at reset. */
  jointAtReset: number;
  goalSite: string;
}

/** The box and handle: a subclass gives the handle's site, its joint at reset and the goal site. */
abstract class SawyerHandleEnv extends SawyerXYZEnv {
  /** Where the scene file puts the box. */
  private readonly boxHome: Float64Array = this.modelBodyPos('box');
  private readonly handle: HandleJoint;

  constructor(ctx: SawyerContext, box: HandleBox, handle: HandleJoint) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: box.boxLow,
      randomResetHigh: box.boxHigh,
      goalLow: box.goalLow,
      goalHigh: box.goalHigh,
    });
    this.handle = handle;
  }

  protected objectPositions(): Float64Array {
    return this.sitePos(this.handle.site);
  }

  protected objectQuaternions(): Float64Array {
    return new Float64Array(4);
  }

  protected resetModel(): void {
    // The raised handle reaches the hand's start pose: reset the hand with the box where the scene
    // puts it (upstream leaves it where the last episode put it), so a seeded reset reproduces.
    this.setBodyPos('box', this.boxHome);
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.setBodyPos('box', this.objInitPos);
    // upstream _set_obj_xyz: the handle joint (qpos[9]) set, at rest, then mj_forward
    this.qpos[9] = this.handle.jointAtReset;
    this.qvel[9] = 0;
    this.forward();
    this.targetPos = this.sitePos(this.handle.goalSite);
  }
}

/** handle-press and handle-press-side: reach the handle, bring its height to the goal's. */
export class SawyerHandlePressEnv extends SawyerHandleEnv {
  private handleInitPos: Float64Array = new Float64Array(3);

  constructor(ctx: SawyerContext, box: HandleBox) {
    // the handle starts just below its top
    super(ctx, box, { site: 'handleStart', jointAtReset: -0.001, goalSite: 'goalPress' });
  }

  protected override resetModel(): void {
    super.resetModel();
    this.handleInitPos = this.objectPositions();
  }

  evaluateState(): Evaluation {
    const handle = this.objectPositions();
    const tcp = this.tcpCenter();
    const target = this.targetPos;
    const targetToObj = Math.abs(handle[2] - target[2]);
    const targetToObjInit = Math.abs(this.handleInitPos[2] - target[2]);
    const inPlace = tolerance(targetToObj, {
      bounds: [0, PRESS_TARGET_RADIUS],
      margin: Math.abs(targetToObjInit - PRESS_TARGET_RADIUS),
      sigmoid: 'long_tail',
    });
    const tcpToObj = dist(handle, tcp);
    const tcpToObjInit = dist(this.handleInitPos, this.initTcp);
    const reach = tolerance(tcpToObj, {
      bounds: [0, HANDLE_RADIUS],
      margin: Math.abs(tcpToObjInit - HANDLE_RADIUS),
      sigmoid: 'long_tail',
    });
    const success = targetToObj <= PRESS_TARGET_RADIUS;
    const reward = 10 * (success ? 1 : hamacherProduct(reach, inPlace));
    return evaluation(reward, {
      success,
      nearObject: tcpToObj <= 0.05,
      graspSuccess: 1,
      graspReward: reach,
      inPlaceReward: inPlace,
      objToTarget: targetToObj,
    });
  }
}

export interface HandlePullVariant extends HandleBox {
  /** The handle's site (`handleRight` / `handleCenter`). */
  handleSite: string;
  /** Upstream's obj_init_pos: the box, or (side) replaced by the handle's starting point. */
  objInitAt: 'box' | 'handle';
  /** The goal distance: the handle's height difference only, or the full 3-d distance (side). */
  targetDistance: 'height' | '3d';
  /** Caging radii. */
  objRadius: number;
  padSuccessThresh: number;
  successRadius: number;
}

/** handle-pull and handle-pull-side: grasp the pressed-down handle and pull it up to the goal. */
export class SawyerHandlePullEnv extends SawyerHandleEnv {
  private readonly variant: HandlePullVariant;

  constructor(ctx: SawyerContext, variant: HandlePullVariant) {
    // the handle starts fully down
    super(ctx, variant, { site: variant.handleSite, jointAtReset: -0.1, goalSite: 'goalPull' });
    this.variant = variant;
  }

  protected override resetModel(): void {
    super.resetModel();
    if (this.variant.objInitAt === 'handle') this.objInitPos = this.objectPositions();
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const { targetDistance, objRadius, padSuccessThresh, successRadius } = this.variant;
    const obj = obs.subarray(4, 7);
    const target = this.targetPos;
    const targetToObj = targetDistance === 'height' ? Math.abs(target[2] - obj[2]) : dist(obj, target);
    const targetToObjInit = targetDistance === 'height' ? Math.abs(target[2] - this.objInitPos[2]) : dist(this.objInitPos, target);
    const inPlace = tolerance(targetToObj, { bounds: [0, PULL_TARGET_RADIUS], margin: targetToObjInit, sigmoid: 'long_tail' });
    const objectGrasped = this.gripperCagingReward(action, obj, {
      padSuccessThresh,
      objRadius,
      objectReachRadius: 0.01,
      xzThresh: 0.01,
      highDensity: true,
    });
    let reward = hamacherProduct(objectGrasped, inPlace);
    const tcpOpened = obs[3];
    const tcpToObj = dist(obj, this.tcpCenter());
    if (tcpToObj < 0.035 && tcpOpened > 0 && obj[2] - 0.01 > this.objInitPos[2]) reward += 1 + 5 * inPlace;
    if (targetToObj < PULL_TARGET_RADIUS) reward = 10;
    return evaluation(reward, {
      success: targetToObj <= successRadius,
      nearObject: tcpToObj <= 0.05,
      graspSuccess: tcpOpened > 0 && obj[2] - 0.03 > this.objInitPos[2],
      graspReward: objectGrasped,
      inPlaceReward: inPlace,
      objToTarget: targetToObj,
    });
  }
}
