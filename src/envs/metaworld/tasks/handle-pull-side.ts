/** handle-pull-side-v2: pull up a pressed-down handle that sticks out sideways from a box on the left. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;
const SUCCESS_RADIUS = 0.08;

export class SawyerHandlePullSideV2 extends SawyerXYZEnv {
  /** Where the scene file puts the box. */
  private readonly boxHome: Float64Array = this.modelView('body_pos').slice(3 * this.bodyId('box'), 3 * this.bodyId('box') + 3);

  constructor(ctx: SawyerContext) {
    const handLow = [-0.5, 0.4, 0.05] as const;
    const handHigh = [0.5, 1, 0.5] as const;
    super(ctx, {
      handLow,
      handHigh,
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.35, 0.65, 0],
      randomResetHigh: [-0.25, 0.75, 0],
      goalLow: handLow,
      goalHigh: handHigh,
    });
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('handleCenter');
  }

  protected objectQuaternions(): Float64Array {
    return new Float64Array(4);
  }

  protected resetModel(): void {
    // The raised handle reaches the hand's start pose: reset the hand with the box where the scene
    // puts it (upstream leaves it where the last episode put it), so a seeded reset reproduces.
    this.setBodyPos('box', this.boxHome);
    this.resetHand();
    this.setBodyPos('box', this.randomResetVector());
    // upstream _set_obj_xyz(-0.1): the handle (qpos[9]) fully down, at rest, then mj_forward
    this.qpos[9] = -0.1;
    this.qvel[9] = 0;
    this.forward();
    this.targetPos = this.sitePos('goalPull');
    // upstream then replaces obj_init_pos (the box) with the handle's starting point
    this.objInitPos = this.objectPositions();
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const targetToObj = dist(obj, this.targetPos);
    const targetToObjInit = dist(this.objInitPos, this.targetPos);
    const inPlace = tolerance(targetToObj, { bounds: [0, TARGET_RADIUS], margin: targetToObjInit, sigmoid: 'long_tail' });
    const objectGrasped = this.gripperCagingReward(action, obj, {
      padSuccessThresh: 0.06,
      objRadius: 0.032,
      objectReachRadius: 0.01,
      xzThresh: 0.01,
      highDensity: true,
    });
    let reward = hamacherProduct(objectGrasped, inPlace);
    const tcpOpened = obs[3];
    const tcpToObj = dist(obj, this.tcpCenter());
    if (tcpToObj < 0.035 && tcpOpened > 0 && obj[2] - 0.01 > this.objInitPos[2]) reward += 1 + 5 * inPlace;
    if (targetToObj < TARGET_RADIUS) reward = 10;
    return {
      reward,
      info: {
        success: targetToObj <= SUCCESS_RADIUS ? 1 : 0,
        near_object: tcpToObj <= 0.05 ? 1 : 0,
        grasp_success: tcpOpened > 0 && obj[2] - 0.03 > this.objInitPos[2] ? 1 : 0,
        grasp_reward: objectGrasped,
        in_place_reward: inPlace,
        obj_to_target: targetToObj,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'handle-pull-side-v2', scene: 'sawyer_handle_press_sideways.xml', Env: SawyerHandlePullSideV2 });
