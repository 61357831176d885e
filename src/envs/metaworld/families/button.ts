/**
 * The button tasks: press a button along y (button-press, button-press-wall, coffee-button) or z
 * (button-press-topdown, button-press-topdown-wall). They share the v2 reward's terms and info; each
 * task gives its own mix of them (`ButtonRule.reward`).
 */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { evaluation, SawyerXYZEnv, type Evaluation, type SawyerConfig, type SawyerContext, type XYZ } from '../task.ts';

export interface ButtonRewardTerms {
  obs: Float64Array;
  tcpToObj: number;
  nearButton: number;
  buttonPressed: number;
}

export interface ButtonRule {
  /** The axis the button travels along: 1 (y) or 2 (z, pressed from above). */
  axis: 1 | 2;
  /** Within this distance of the button the near-button term is full. */
  nearRadius: number;
  /** Success: the button within this of its pressed position. */
  successDistance: number;
  reward(t: ButtonRewardTerms): number;
}

/** button-press and coffee-button: approach with the gripper closed, then press. */
export function closedGripperPressReward({ obs, tcpToObj, nearButton, buttonPressed }: ButtonRewardTerms): number {
  const tcpClosed = Math.max(obs[3], 0);
  let reward = 2 * hamacherProduct(tcpClosed, nearButton);
  if (tcpToObj <= 0.05) reward += 8 * buttonPressed;
  return reward;
}

/** The reward and info shared by the button tasks; a subclass places the button and sets `pressTravel`. */
export abstract class SawyerButtonEnv extends SawyerXYZEnv {
  /** How far the button travels from rest to pressed: the margin of the pressed term. */
  protected pressTravel = 0;
  private readonly rule: ButtonRule;

  constructor(ctx: SawyerContext, config: SawyerConfig, rule: ButtonRule) {
    super(ctx, config);
    this.rule = rule;
  }

  evaluateState(obs: Float64Array): Evaluation {
    const { axis, nearRadius, successDistance } = this.rule;
    const obj = obs.subarray(4, 7);
    const tcpToObj = dist(obj, this.tcpCenter());
    const tcpToObjInit = dist(obj, this.initTcp);
    const objToTarget = Math.abs(this.targetPos[axis] - obj[axis]);
    const nearButton = tolerance(tcpToObj, { bounds: [0, nearRadius], margin: tcpToObjInit, sigmoid: 'long_tail' });
    const buttonPressed = tolerance(objToTarget, { bounds: [0, 0.005], margin: this.pressTravel, sigmoid: 'long_tail' });
    const reward = this.rule.reward({ obs, tcpToObj, nearButton, buttonPressed });
    return evaluation(reward, {
      success: objToTarget <= successDistance,
      nearObject: tcpToObj <= 0.05,
      graspSuccess: obs[3] > 0,
      graspReward: nearButton,
      inPlaceReward: buttonPressed,
      objToTarget,
    });
  }
}

export interface ButtonBoxVariant extends ButtonRule {
  /** Where the button's box may stand. */
  boxLow: XYZ;
  boxHigh: XYZ;
  /** Upstream `_set_obj_xyz(0)` at reset: the button at rest (not in the top-down tasks, which only mj_forward). */
  restButtonAtReset: boolean;
}

/** The button-press scenes: a button in a box, its face 19.3 cm in front of (y) or above (z) its body. */
export class SawyerButtonBoxEnv extends SawyerButtonEnv {
  protected override mainObjectGeom = 'btnGeom';
  private readonly axis: 1 | 2;
  private readonly restButtonAtReset: boolean;

  constructor(ctx: SawyerContext, variant: ButtonBoxVariant) {
    const config = {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.4), Math.fround(0.2)],
      randomResetLow: variant.boxLow,
      randomResetHigh: variant.boxHigh,
    } as const;
    super(ctx, config, variant);
    this.axis = variant.axis;
    this.restButtonAtReset = variant.restButtonAtReset;
  }

  protected objectPositions(): Float64Array {
    const p = this.bodyPos('button');
    p[this.axis] += this.axis === 1 ? -0.193 : 0.193;
    return p;
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('button');
  }

  protected resetModel(): void {
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.setBodyPos('box', this.objInitPos);
    if (this.restButtonAtReset) {
      this.qpos[9] = 0;
      this.qvel[9] = 0;
    }
    this.forward();
    this.targetPos = this.sitePos('hole');
    this.pressTravel = Math.abs(this.targetPos[this.axis] - this.sitePos('buttonStart')[this.axis]);
  }
}
