/** button-press-wall-v2: push a button in (along +y), reaching past a wall in front of it. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

/** The button's face sits this far in front of its body origin. */
const FACE_OFFSET_Y = -0.193;

export class SawyerButtonPressWallV2 extends SawyerXYZEnv {
  protected override mainObjectGeom = 'btnGeom';
  /** |y| travel from the button's rest position to the pressed position (`hole` site). */
  private objToTargetInit = 0;

  constructor(ctx: SawyerContext) {
    const handLow = [-0.5, 0.4, 0.05] as const;
    const handHigh = [0.5, 1, 0.5] as const;
    super(ctx, {
      handLow,
      handHigh,
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.4), Math.fround(0.2)],
      randomResetLow: [-0.05, 0.85, 0.1149],
      randomResetHigh: [0.05, 0.9, 0.1151],
      goalLow: handLow,
      goalHigh: handHigh,
    });
  }

  protected objectPositions(): Float64Array {
    const p = this.bodyPos('button');
    p[1] += FACE_OFFSET_Y;
    return p;
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('button');
  }

  protected resetModel(): void {
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.setBodyPos('box', this.objInitPos);
    // upstream _set_obj_xyz(0): the button at rest, then mj_forward
    this.qpos[9] = 0;
    this.qvel[9] = 0;
    this.forward();
    this.targetPos = this.sitePos('hole');
    this.objToTargetInit = Math.abs(this.targetPos[1] - this.sitePos('buttonStart')[1]);
  }

  evaluateState(obs: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const tcpToObj = dist(obj, this.tcpCenter());
    const tcpToObjInit = dist(obj, this.initTcp);
    const objToTarget = Math.abs(this.targetPos[1] - obj[1]);
    const nearButton = tolerance(tcpToObj, { bounds: [0, 0.01], margin: tcpToObjInit, sigmoid: 'long_tail' });
    const buttonPressed = tolerance(objToTarget, { bounds: [0, 0.005], margin: this.objToTargetInit, sigmoid: 'long_tail' });
    let reward: number;
    if (tcpToObj > 0.07) {
      const tcpStatus = (1 - obs[3]) / 2;
      reward = 2 * hamacherProduct(tcpStatus, nearButton);
    } else {
      reward = 2 + 2 * (1 + obs[3]) + 4 * buttonPressed ** 2;
    }
    return {
      reward,
      info: {
        success: objToTarget <= 0.03 ? 1 : 0,
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

export default defineTask({ name: 'button-press-wall-v2', scene: 'sawyer_button_press_wall.xml', Env: SawyerButtonPressWallV2 });
