/** pick-place-wall-v2: pick up a puck, lift it over a wall and place it at a goal in the air. */
import { PUCK_CAGING, SawyerPuckEnv } from '../families/puck.ts';
import { dist, hamacherProduct } from '../rewards.ts';
import { defineTask, type Evaluation } from '../task.ts';

const TARGET_RADIUS = 0.05;
/** The in-place reward weighs z errors 3x on the way to the waypoint above the wall. */
const IN_PLACE_SCALING = [1, 1, 3] as const;

export class SawyerPickPlaceWallV2 extends SawyerPuckEnv {
  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const tcp = this.tcpCenter();
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const tcpToObj = dist(obj, tcp);
    const objToTarget = dist(obj, this.targetPos);
    const [inPlacePart1, inPlacePart2] = this.wallInPlace(obj, [this.targetPos[0], 0.77, 0.25], IN_PLACE_SCALING);
    const objectGrasped = this.gripperCagingReward(action, obj, { ...PUCK_CAGING, highDensity: false });
    const graspedAndInPlace = hamacherProduct(objectGrasped, inPlacePart1);
    let reward = graspedAndInPlace;
    if (tcpToObj < 0.02 && tcpOpened > 0 && obj[2] - 0.015 > this.objInitPos[2]) {
      reward = graspedAndInPlace + 1 + 4 * inPlacePart1;
      if (obj[1] > 0.75) reward = graspedAndInPlace + 1 + 4 + 3 * inPlacePart2;
    }
    if (objToTarget < TARGET_RADIUS) reward = 10;
    return this.objectToGoalEvaluation(reward, { obj, tcpOpened, tcpToObj, objToTarget, graspReward: objectGrasped, inPlaceReward: inPlacePart2 });
  }
}

export default defineTask({
  name: 'pick-place-wall-v2',
  scene: 'sawyer_pick_place_wall_v3.xml',
  Env: SawyerPickPlaceWallV2,
  variant: {
    // Upstream places the puck at the sampled z (0.015), slightly into the table; it pops up.
    puckLow: [-0.05, 0.6, 0.015],
    puckHigh: [0.05, 0.65, 0.015],
    goalLow: [-0.05, 0.85, 0.05],
    goalHigh: [0.05, 0.9, 0.3],
    trackedBy: 'geom',
  },
});
