/** drawer-close-v2: push an open drawer shut. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

/** Upstream defines `_TARGET_RADIUS = 0.04` but reads the base class's `TARGET_RADIUS` (0.05). */
const TARGET_RADIUS = 0.05;
/** How far the drawer is pulled out at reset. */
const MAX_DIST = 0.15;
const HANDLE_REACH_RADIUS = 0.005;

export class SawyerDrawerCloseV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    const handLow = [-0.5, 0.4, 0.05] as const;
    const handHigh = [0.5, 1, 0.5] as const;
    super(ctx, {
      handLow,
      handHigh,
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.9, 0],
      randomResetHigh: [0.1, 0.9, 0],
      goalLow: handLow,
      goalHigh: handHigh,
    });
  }

  /** The handle: in front of and above the drawer body's origin. */
  protected objectPositions(): Float64Array {
    const p = this.bodyPos('drawer_link');
    p[1] += -0.16;
    p[2] += 0.05;
    return p;
  }

  protected objectQuaternions(): Float64Array {
    return new Float64Array(4);
  }

  protected resetModel(): void {
    this.resetHand();
    const drawerPos = this.randomResetVector();
    this.setBodyPos('drawer', drawerPos);
    // the handle's place when the drawer is shut
    this.targetPos = Float64Array.of(drawerPos[0], drawerPos[1] - 0.16, drawerPos[2] + 0.09);
    // upstream _set_obj_xyz(-maxDist) for this task: the drawer pulled out (qvel left as is), then mj_forward
    this.qpos[9] = -MAX_DIST;
    this.forward();
    this.objInitPos = this.objectPositions();
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const target = this.targetPos;
    const targetToObj = dist(obj, target);
    const targetToObjInit = dist(this.objInitPos, target);
    const inPlace = tolerance(targetToObj, {
      bounds: [0, TARGET_RADIUS],
      margin: Math.abs(targetToObjInit - TARGET_RADIUS),
      sigmoid: 'long_tail',
    });
    const tcpToObj = dist(obj, this.tcpCenter());
    const tcpToObjInit = dist(this.objInitPos, this.initTcp);
    const reachAlone = tolerance(tcpToObj, {
      bounds: [0, HANDLE_REACH_RADIUS],
      margin: Math.abs(tcpToObjInit - HANDLE_REACH_RADIUS),
      sigmoid: 'gaussian',
    });
    const gripperClosed = Math.min(Math.max(0, action[3]), 1);
    const reach = hamacherProduct(reachAlone, gripperClosed);
    const closed = targetToObj <= TARGET_RADIUS + 0.015;
    const reward = 10 * (closed ? 1 : hamacherProduct(reach, inPlace));
    return {
      reward,
      info: {
        success: closed ? 1 : 0,
        near_object: tcpToObj <= 0.01 ? 1 : 0,
        grasp_success: 1,
        grasp_reward: reach,
        in_place_reward: inPlace,
        obj_to_target: targetToObj,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'drawer-close-v2', scene: 'sawyer_drawer.xml', Env: SawyerDrawerCloseV2 });
