/** push-wall-v2: push a puck around a wall to a goal behind it. */
import { dist, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;
/** The in-place reward weighs x errors 3x on the way to the waypoint beside the wall. */
const IN_PLACE_SCALING = [3, 1, 1] as const;

export class SawyerPushWallV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.05, 0.6, 0.015, -0.05, 0.85, 0.01],
      randomResetHigh: [0.05, 0.65, 0.015, 0.05, 0.9, 0.02],
      goalLow: [-0.05, 0.85, 0.01],
      goalHigh: [0.05, 0.9, 0.02],
    });
  }

  protected objectPositions(): Float64Array {
    return this.geomPos('objGeom');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('objGeom');
  }

  protected resetModel(): void {
    this.resetHand();
    // Upstream adjust_initObjPos: the puck's resting height is the geom's height in the settled scene.
    const objZ = this.geomPos('objGeom')[2];
    let v = this.randomResetVector();
    while (Math.hypot(v[0] - v[3], v[1] - v[4]) < 0.15) v = this.randomResetVector();
    this.targetPos = Float64Array.of(v[3], v[4], objZ);
    this.objInitPos = Float64Array.of(v[0], v[1], objZ);
    this.setObjXyz(this.objInitPos);
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const tcp = this.tcpCenter();
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const midpoint = [-0.05, 0.77, obj[2]];
    const scaledDist = (p: ArrayLike<number>): number =>
      Math.hypot(...[0, 1, 2].map((i) => (p[i] - midpoint[i]) * IN_PLACE_SCALING[i]));
    const tcpToObj = dist(obj, tcp);
    const objToTarget = dist(obj, this.targetPos);
    const inPlacePart1 = tolerance(scaledDist(obj), {
      bounds: [0, TARGET_RADIUS],
      margin: scaledDist(this.objInitPos),
      sigmoid: 'long_tail',
    });
    const inPlacePart2 = tolerance(objToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, this.targetPos),
      sigmoid: 'long_tail',
    });
    const objectGrasped = this.gripperCagingReward(action, obj, {
      objectReachRadius: 0.01,
      objRadius: 0.015,
      padSuccessThresh: 0.05,
      xzThresh: 0.005,
      highDensity: true,
    });
    let reward = 2 * objectGrasped;
    if (tcpToObj < 0.02 && tcpOpened > 0) {
      reward = 2 * objectGrasped + 1 + 4 * inPlacePart1;
      if (obj[1] > 0.75) reward = 2 * objectGrasped + 1 + 4 + 3 * inPlacePart2;
    }
    if (objToTarget < TARGET_RADIUS) reward = 10;
    return {
      reward,
      info: {
        success: objToTarget <= 0.07 ? 1 : 0,
        near_object: tcpToObj <= 0.03 ? 1 : 0,
        grasp_success: this.touchingMainObject() && tcpOpened > 0 && obj[2] - 0.02 > this.objInitPos[2] ? 1 : 0,
        grasp_reward: objectGrasped,
        in_place_reward: inPlacePart2,
        obj_to_target: objToTarget,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'push-wall-v2', scene: 'sawyer_push_wall_v3.xml', Env: SawyerPushWallV2 });
