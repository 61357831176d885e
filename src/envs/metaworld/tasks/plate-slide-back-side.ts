/** plate-slide-back-side-v2: slide a puck sideways out of a cabinet to a goal. */
import { dist, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;
/** The puck's slide joints (x, y) at reset: 15 cm into the sideways cabinet. */
const PUCK_START_SLIDE = [-0.15, 0] as const;

export class SawyerPlateSlideBackSideV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.25, 0.6, 0, -0.05, 0.6, 0.015],
      randomResetHigh: [-0.25, 0.6, 0, 0.15, 0.6, 0.015],
      goalLow: [-0.05, 0.6, 0.015],
      goalHigh: [0.15, 0.6, 0.015],
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
    // The cabinet moves from the scene's x = -0.3 to obj_init_pos (x = -0.25).
    this.setBodyPos('puck_goal', this.objInitPos);
    // Upstream _set_obj_xyz here writes the two slide joints only and keeps qvel.
    this.qpos[9] = PUCK_START_SLIDE[0];
    this.qpos[10] = PUCK_START_SLIDE[1];
    this.forward();
    this.setSitePos('goal', this.targetPos);
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
    if (tcp[2] <= 0.03 && tcpToObj < 0.07) reward = 2 + 7 * inPlace;
    if (objToTarget < TARGET_RADIUS) reward = 10;
    return {
      reward,
      info: {
        success: objToTarget <= 0.07 ? 1 : 0,
        near_object: tcpToObj <= 0.03 ? 1 : 0,
        grasp_success: 0,
        grasp_reward: objectGrasped,
        in_place_reward: inPlace,
        obj_to_target: objToTarget,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'plate-slide-back-side-v2', scene: 'sawyer_plate_slide_sideway.xml', Env: SawyerPlateSlideBackSideV2 });
