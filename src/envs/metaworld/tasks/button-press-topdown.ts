/** button-press-topdown-v2: press a button that faces up, from above. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

/** The button's face sits this far above its body origin. */
const FACE_OFFSET_Z = 0.193;

export class SawyerButtonPressTopdownV2 extends SawyerXYZEnv {
  protected override mainObjectGeom = 'btnGeom';
  /** |z| travel from the button's rest position to the pressed position (`hole` site). */
  private objToTargetInit = 0;

  constructor(ctx: SawyerContext) {
    const handLow = [-0.5, 0.4, 0.05] as const;
    const handHigh = [0.5, 1, 0.5] as const;
    super(ctx, {
      handLow,
      handHigh,
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.4), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.8, 0.115],
      randomResetHigh: [0.1, 0.9, 0.115],
      goalLow: handLow,
      goalHigh: handHigh,
    });
  }

  protected objectPositions(): Float64Array {
    const p = this.bodyPos('button');
    p[2] += FACE_OFFSET_Z;
    return p;
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('button');
  }

  protected resetModel(): void {
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.setBodyPos('box', this.objInitPos);
    this.forward();
    this.targetPos = this.sitePos('hole');
    this.objToTargetInit = Math.abs(this.targetPos[2] - this.sitePos('buttonStart')[2]);
  }

  evaluateState(obs: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const tcpToObj = dist(obj, this.tcpCenter());
    const tcpToObjInit = dist(obj, this.initTcp);
    const objToTarget = Math.abs(this.targetPos[2] - obj[2]);
    const tcpClosed = 1 - obs[3];
    const nearButton = tolerance(tcpToObj, { bounds: [0, 0.01], margin: tcpToObjInit, sigmoid: 'long_tail' });
    const buttonPressed = tolerance(objToTarget, { bounds: [0, 0.005], margin: this.objToTargetInit, sigmoid: 'long_tail' });
    let reward = 5 * hamacherProduct(tcpClosed, nearButton);
    if (tcpToObj <= 0.03) reward += 5 * buttonPressed;
    return {
      reward,
      info: {
        success: objToTarget <= 0.024 ? 1 : 0,
        near_object: tcpToObj <= 0.05 ? 1 : 0,
        grasp_success: obs[3] > 0 ? 1 : 0,
        grasp_reward: nearButton,
        in_place_reward: buttonPressed,
        obj_to_target: objToTarget,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'button-press-topdown-v2', scene: 'sawyer_button_press_topdown.xml', Env: SawyerButtonPressTopdownV2 });
