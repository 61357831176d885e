/** handle-pull-v2: pull a pressed-down handle back up. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;

export class SawyerHandlePullV2 extends SawyerXYZEnv {
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
      goalHigh: [0.1, 0.7, 0.18],
    });
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('handleRight');
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
    // upstream _set_obj_xyz(-0.1): the handle (qpos[9]) fully down, at rest, then mj_forward
    this.qpos[9] = -0.1;
    this.qvel[9] = 0;
    this.forward();
    this.targetPos = this.sitePos('goalPull');
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const targetToObj = Math.abs(this.targetPos[2] - obj[2]);
    const targetToObjInit = Math.abs(this.targetPos[2] - this.objInitPos[2]);
    const inPlace = tolerance(targetToObj, { bounds: [0, TARGET_RADIUS], margin: targetToObjInit, sigmoid: 'long_tail' });
    const objectGrasped = this.gripperCagingReward(action, obj, {
      padSuccessThresh: 0.05,
      objRadius: 0.022,
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
        success: targetToObj <= TARGET_RADIUS ? 1 : 0,
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

export default defineTask({ name: 'handle-pull-v2', scene: 'sawyer_handle_press.xml', Env: SawyerHandlePullV2 });
