/** push-wall-v2: push a puck around a wall to a goal behind it. */
import { PUCK_CAGING, SawyerPuckEnv } from '../families/puck.ts';
import { dist } from '../rewards.ts';
import { defineTask, type Evaluation } from '../task.ts';

const TARGET_RADIUS = 0.05;
/** The in-place reward weighs x errors 3x on the way to the waypoint beside the wall. */
const IN_PLACE_SCALING = [3, 1, 1] as const;

export class SawyerPushWallV2 extends SawyerPuckEnv {
  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const tcp = this.tcpCenter();
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const tcpToObj = dist(obj, tcp);
    const objToTarget = dist(obj, this.targetPos);
    const [inPlacePart1, inPlacePart2] = this.wallInPlace(obj, [-0.05, 0.77, obj[2]], IN_PLACE_SCALING);
    const objectGrasped = this.gripperCagingReward(action, obj, { ...PUCK_CAGING, highDensity: true });
    let reward = 2 * objectGrasped;
    if (tcpToObj < 0.02 && tcpOpened > 0) {
      reward = 2 * objectGrasped + 1 + 4 * inPlacePart1;
      if (obj[1] > 0.75) reward = 2 * objectGrasped + 1 + 4 + 3 * inPlacePart2;
    }
    if (objToTarget < TARGET_RADIUS) reward = 10;
    return this.objectToGoalEvaluation(reward, { obj, tcpOpened, tcpToObj, objToTarget, graspReward: objectGrasped, inPlaceReward: inPlacePart2 });
  }
}

export default defineTask({
  name: 'push-wall-v2',
  scene: 'sawyer_push_wall_v3.xml',
  Env: SawyerPushWallV2,
  variant: {
    puckLow: [-0.05, 0.6, 0.015],
    puckHigh: [0.05, 0.65, 0.015],
    goalLow: [-0.05, 0.85, 0.01],
    goalHigh: [0.05, 0.9, 0.02],
    trackedBy: 'geom',
    restsOnTable: true,
  },
});
