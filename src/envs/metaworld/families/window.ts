/** window-open and window-close: slide a window along x by its handle, to the right (open) or the left (close). */
import { dist, hamacherProduct, tolerance, type Sigmoid } from '../rewards.ts';
import { evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext, type XYZ } from '../task.ts';

const TARGET_RADIUS = 0.05;
const HANDLE_RADIUS = 0.02;

export interface WindowVariant {
  /** Where the window may stand. */
  windowLow: XYZ;
  windowHigh: XYZ;
  /** The handle's site (`handleOpenStart` / `handleCloseStart`). */
  handleSite: string;
  /** The slide joint at reset: how far the window starts open. */
  slideStart: number;
  /** The goal's x relative to the window's position. */
  goalShift: number;
  /** The in-place margin measures the goal's x from the window's position (open) or the handle's start (close). */
  marginFrom: 'window' | 'handle';
  reachSigmoid: Sigmoid;
}

export class SawyerWindowEnv extends SawyerXYZEnv {
  private readonly variant: WindowVariant;
  private handleInitPos: Float64Array = new Float64Array(3);

  constructor(ctx: SawyerContext, variant: WindowVariant) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.4), Math.fround(0.2)],
      randomResetLow: variant.windowLow,
      randomResetHigh: variant.windowHigh,
    });
    this.variant = variant;
  }

  protected objectPositions(): Float64Array {
    return this.sitePos(this.variant.handleSite);
  }

  protected objectQuaternions(): Float64Array {
    return new Float64Array(4);
  }

  protected resetModel(): void {
    const { slideStart, goalShift } = this.variant;
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.targetPos = Float64Array.of(this.objInitPos[0] + goalShift, this.objInitPos[1], this.objInitPos[2]);
    this.setBodyPos('window', this.objInitPos);
    this.setSitePos('goal', this.targetPos);
    // Upstream reads the (still closed) handle before the moved window is forwarded (a position from
    // the previous episode); we read it where the window now stands, so a seeded reset reproduces.
    this.forward();
    const handle = this.objectPositions();
    this.handleInitPos = Float64Array.of(handle[0] + slideStart, handle[1], handle[2]);
    this.qpos[this.jointQposAdr('window_slide')] = slideStart;
  }

  evaluateState(): Evaluation {
    const obj = this.objectPositions();
    const tcp = this.tcpCenter();
    const targetToObj = Math.abs(obj[0] - this.targetPos[0]);
    const marginFrom = this.variant.marginFrom === 'window' ? this.objInitPos : this.handleInitPos;
    const targetToObjInit = Math.abs(marginFrom[0] - this.targetPos[0]);
    const inPlace = tolerance(targetToObj, {
      bounds: [0, TARGET_RADIUS],
      margin: Math.abs(targetToObjInit - TARGET_RADIUS),
      sigmoid: 'long_tail',
    });
    const tcpToObj = dist(obj, tcp);
    const tcpToObjInit = dist(this.handleInitPos, this.initTcp);
    const reach = tolerance(tcpToObj, {
      bounds: [0, HANDLE_RADIUS],
      margin: Math.abs(tcpToObjInit - HANDLE_RADIUS),
      sigmoid: this.variant.reachSigmoid,
    });
    const reward = 10 * hamacherProduct(reach, inPlace);
    return evaluation(reward, {
      success: targetToObj <= TARGET_RADIUS,
      nearObject: tcpToObj <= 0.05,
      graspSuccess: 1,
      graspReward: reach,
      inPlaceReward: inPlace,
      objToTarget: targetToObj,
    });
  }
}
