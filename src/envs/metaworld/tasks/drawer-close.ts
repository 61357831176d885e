/** drawer-close-v2: push an open drawer shut. */
import { SawyerDrawerEnv } from '../families/drawer.ts';
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, evaluation, type Evaluation } from '../task.ts';

/** Upstream defines `_TARGET_RADIUS = 0.04` but reads the base class's `TARGET_RADIUS` (0.05). */
const TARGET_RADIUS = 0.05;
/** How far the drawer is pulled out at reset. */
const MAX_DIST = 0.15;
const HANDLE_REACH_RADIUS = 0.005;

export class SawyerDrawerCloseV2 extends SawyerDrawerEnv {
  /** The handle, 5 cm higher. */
  protected override objectPositions(): Float64Array {
    const p = super.objectPositions();
    p[2] += 0.05;
    return p;
  }

  protected override objectQuaternions(): Float64Array {
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
    return evaluation(reward, {
      success: closed,
      nearObject: tcpToObj <= 0.01,
      graspSuccess: 1,
      graspReward: reach,
      inPlaceReward: inPlace,
      objToTarget: targetToObj,
    });
  }
}

export default defineTask({ name: 'drawer-close-v2', scene: 'sawyer_drawer.xml', Env: SawyerDrawerCloseV2 });
