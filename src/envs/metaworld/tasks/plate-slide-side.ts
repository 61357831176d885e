/** plate-slide-side-v2: slide a puck sideways (to the left) along the table into a goal region. */
import { dist, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;

export class SawyerPlateSlideSideV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    const objLow = [0, 0.6, 0];
    const objHigh = [0, 0.6, 0];
    const goalLow = [-0.3, 0.54, 0] as const;
    const goalHigh = [-0.25, 0.66, 0] as const;
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [...objLow, ...goalLow],
      randomResetHigh: [...objHigh, ...goalHigh],
      goalLow,
      goalHigh,
    });
  }

  protected objectPositions(): Float64Array {
    return this.geomPos('puck');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('puck');
  }

  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVector();
    this.objInitPos = v.slice(0, 3);
    this.targetPos = v.slice(3, 6);
    this.setBodyPos('puck_goal', this.targetPos);
    this.setSitePos('goal', this.targetPos);
    // upstream _set_obj_xyz(zeros(2)): the puck's two slide joints back to 0 (velocities kept), then mj_forward
    this.qpos[9] = 0;
    this.qpos[10] = 0;
    this.forward();
  }

  evaluateState(obs: Float64Array): Evaluation {
    const tcp = this.tcpCenter();
    const obj = obs.subarray(4, 7);
    const objToTarget = dist(obj, this.targetPos);
    const inPlace = tolerance(objToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, this.targetPos) - TARGET_RADIUS,
      sigmoid: 'long_tail',
    });
    const tcpToObj = dist(tcp, obj);
    const objectGrasped = tolerance(tcpToObj, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.initTcp, this.objInitPos) - TARGET_RADIUS,
      sigmoid: 'long_tail',
    });
    let reward = 1.5 * objectGrasped;
    // the hand down on the table beside the puck
    if (tcp[2] <= 0.03 && tcpToObj < 0.07) reward = 2 + 7 * inPlace;
    if (objToTarget < TARGET_RADIUS) reward = 10;
    return {
      reward,
      info: {
        success: objToTarget <= 0.07 ? 1 : 0,
        near_object: tcpToObj <= 0.03 ? 1 : 0,
        grasp_reward: objectGrasped,
        grasp_success: 0,
        in_place_reward: inPlace,
        obj_to_target: objToTarget,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'plate-slide-side-v2', scene: 'sawyer_plate_slide_sideway.xml', Env: SawyerPlateSlideSideV2 });
