/** faucet-open and faucet-close: turn the faucet handle to the right (+x) or the left (-x). */
import { dist, tolerance } from '../rewards.ts';
import { evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext, type XYZ } from '../task.ts';

const HANDLE_LENGTH = 0.175;
const TARGET_RADIUS = 0.07;
const REACH_RADIUS = 0.01;

export interface FaucetVariant {
  /** Where the faucet may stand. */
  faucetLow: XYZ;
  faucetHigh: XYZ;
  /** The way the handle turns: +1 open (right), -1 close (left). */
  turn: 1 | -1;
  /** The site the handle starts at (`handleStartOpen` / `handleStartClose`) and the goal site. */
  handleSite: string;
  goalSite: string;
  /** Added to the handle's observed position for the reward (open: a point on the handle; none for close). */
  grabOffset?: XYZ;
}

export class SawyerFaucetEnv extends SawyerXYZEnv {
  private readonly variant: FaucetVariant;

  constructor(ctx: SawyerContext, variant: FaucetVariant) {
    super(ctx, {
      handLow: [-0.5, 0.4, -0.15],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.4, 0.2],
      randomResetLow: variant.faucetLow,
      randomResetHigh: variant.faucetHigh,
    });
    this.variant = variant;
  }

  /** The handle's start point, 1 cm lower. */
  protected objectPositions(): Float64Array {
    const p = this.sitePos(this.variant.handleSite);
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
    const handleX = this.variant.turn === 1 ? this.objInitPos[0] + HANDLE_LENGTH : this.objInitPos[0] - HANDLE_LENGTH;
    this.targetPos = Float64Array.of(handleX, this.objInitPos[1], this.objInitPos[2] + 0.125);
    this.setSitePos(this.variant.goalSite, this.targetPos);
  }

  evaluateState(obs: Float64Array): Evaluation {
    const o = this.variant.grabOffset;
    const obj = o ? [obs[4] + o[0], obs[5] + o[1], obs[6] + o[2]] : obs.subarray(4, 7);
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
    return evaluation(reward, {
      success,
      nearObject: tcpToObj <= REACH_RADIUS,
      graspSuccess: 1,
      graspReward: reach,
      inPlaceReward: inPlace,
      objToTarget: targetToObj,
    });
  }
}
