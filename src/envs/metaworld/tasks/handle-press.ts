/** handle-press-v2: press a handle down from above. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.02;
const HANDLE_RADIUS = 0.02;

export class SawyerHandlePressV2 extends SawyerXYZEnv {
  private handleInitPos: Float64Array = new Float64Array(3);
  /** Where the scene file puts the box. */
  private readonly boxHome: Float64Array = this.modelView('body_pos').slice(3 * this.bodyId('box'), 3 * this.bodyId('box') + 3);

  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.1, 0.8, -0.001],
      randomResetHigh: [0.1, 0.9, 0.001],
      goalLow: [-0.1, 0.55, 0.04],
      goalHigh: [0.1, 0.7, 0.08],
    });
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('handleStart');
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
    // upstream _set_obj_xyz(-0.001): the handle joint (qpos[9]) just below its top, at rest, then mj_forward
    this.qpos[9] = -0.001;
    this.qvel[9] = 0;
    this.forward();
    this.targetPos = this.sitePos('goalPress');
    this.handleInitPos = this.objectPositions();
  }

  evaluateState(): Evaluation {
    return pressReward(this.objectPositions(), this.tcpCenter(), this.targetPos, this.handleInitPos, this.initTcp);
  }
}

/** The v2 reward shared by handle-press and handle-press-side: reach the handle, bring its height to the goal's. */
export function pressReward(
  handle: ArrayLike<number>,
  tcp: ArrayLike<number>,
  target: ArrayLike<number>,
  handleInit: ArrayLike<number>,
  initTcp: ArrayLike<number>,
): Evaluation {
  const targetToObj = Math.abs(handle[2] - target[2]);
  const targetToObjInit = Math.abs(handleInit[2] - target[2]);
  const inPlace = tolerance(targetToObj, {
    bounds: [0, TARGET_RADIUS],
    margin: Math.abs(targetToObjInit - TARGET_RADIUS),
    sigmoid: 'long_tail',
  });
  const tcpToObj = dist(handle, tcp);
  const tcpToObjInit = dist(handleInit, initTcp);
  const reach = tolerance(tcpToObj, {
    bounds: [0, HANDLE_RADIUS],
    margin: Math.abs(tcpToObjInit - HANDLE_RADIUS),
    sigmoid: 'long_tail',
  });
  const success = targetToObj <= TARGET_RADIUS;
  const reward = 10 * (success ? 1 : hamacherProduct(reach, inPlace));
  return {
    reward,
    info: {
      success: success ? 1 : 0,
      near_object: tcpToObj <= 0.05 ? 1 : 0,
      grasp_success: 1,
      grasp_reward: reach,
      in_place_reward: inPlace,
      obj_to_target: targetToObj,
      unscaled_reward: reward,
    },
  };
}

export default defineTask({ name: 'handle-press-v2', scene: 'sawyer_handle_press.xml', Env: SawyerHandlePressV2 });
