/** pick-place-wall-v2: pick up a puck, lift it over a wall and place it at a goal in the air. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;
/** The in-place reward weighs z errors 3x on the way to the waypoint above the wall. */
const IN_PLACE_SCALING = [1, 1, 3] as const;

export class SawyerPickPlaceWallV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.05, 0.6, 0.015, -0.05, 0.85, 0.05],
      randomResetHigh: [0.05, 0.65, 0.015, 0.05, 0.9, 0.3],
      goalLow: [-0.05, 0.85, 0.05],
      goalHigh: [0.05, 0.9, 0.3],
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
    let v = this.randomResetVector();
    while (Math.hypot(v[0] - v[3], v[1] - v[4]) < 0.15) v = this.randomResetVector();
    this.targetPos = v.slice(3, 6);
    // Upstream places the puck at the sampled z (0.015), slightly into the table; it pops up.
    this.objInitPos = v.slice(0, 3);
    this.setObjXyz(this.objInitPos);
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const tcp = this.tcpCenter();
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const midpoint = [this.targetPos[0], 0.77, 0.25];
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
      objRadius: 0.015,
      padSuccessThresh: 0.05,
      objectReachRadius: 0.01,
      xzThresh: 0.005,
      highDensity: false,
    });
    const graspedAndInPlace = hamacherProduct(objectGrasped, inPlacePart1);
    let reward = graspedAndInPlace;
    if (tcpToObj < 0.02 && tcpOpened > 0 && obj[2] - 0.015 > this.objInitPos[2]) {
      reward = graspedAndInPlace + 1 + 4 * inPlacePart1;
      if (obj[1] > 0.75) reward = graspedAndInPlace + 1 + 4 + 3 * inPlacePart2;
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

export default defineTask({ name: 'pick-place-wall-v2', scene: 'sawyer_pick_place_wall_v3.xml', Env: SawyerPickPlaceWallV2 });
