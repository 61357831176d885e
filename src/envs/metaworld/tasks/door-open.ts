/** door-open-v2: swing a door open by pulling its handle round. */
import { SawyerDoorEnv } from '../families/door.ts';
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, evaluation, type Evaluation } from '../task.ts';

/** Inside this xy radius around the handle the reward's "floor" vanishes. */
const FLOOR_RADIUS = 0.12;
/** The door counts as open when the handle's x is within this of the goal's x. */
const SUCCESS_X = 0.08;

export class SawyerDoorOpenV2 extends SawyerDoorEnv {
  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const theta = this.qpos[this.jointQposAdr('doorjoint')];
    const grab = (Math.min(Math.max(action[3], -1), 1) + 1) / 2;

    const hand = obs.subarray(0, 3);
    const door = [obs[4] - 0.05, obs[5], obs[6]];
    // A funnel around the handle keeps the hand high until it is close, so it does not hit the handle early.
    const radius = Math.hypot(hand[0] - door[0], hand[1] - door[1]);
    const floor = radius <= FLOOR_RADIUS ? 0 : 0.04 * Math.log(radius - FLOOR_RADIUS) + 0.4;
    const aboveFloor =
      hand[2] >= floor ? 1 : tolerance(floor - hand[2], { bounds: [0, 0.01], margin: floor / 2, sigmoid: 'long_tail' });
    // Aim between the handle and the door panel.
    const aim = [door[0] + 0.05, door[1] + 0.03, door[2] - 0.01];
    const inPlace = tolerance(dist(hand, aim), { bounds: [0, FLOOR_RADIUS / 2], margin: 0.5, sigmoid: 'long_tail' });
    const readyToOpen = hamacherProduct(aboveFloor, inPlace);

    const doorAngle = -theta;
    const opened =
      0.2 * (theta < -Math.PI / 90 ? 1 : 0) +
      0.8 * tolerance(Math.PI / 2 + Math.PI / 6 - doorAngle, { bounds: [0, 0.5], margin: Math.PI / 3, sigmoid: 'long_tail' });

    const success = Math.abs(obs[4] - this.targetPos[0]) <= SUCCESS_X;
    const reward = success ? 10 : 2 * hamacherProduct(readyToOpen, grab) + 8 * opened;
    return evaluation(reward, {
      success,
      nearObject: readyToOpen,
      graspSuccess: grab >= 0.5,
      graspReward: grab,
      inPlaceReward: opened,
      objToTarget: 0,
    });
  }
}

export default defineTask({
  name: 'door-open-v2',
  scene: 'sawyer_door_pull.xml',
  Env: SawyerDoorOpenV2,
  variant: {
    handInitPos: [0, 0.6, 0.2],
    goalLow: [-0.3, 0.4, 0.1499],
    goalHigh: [-0.2, 0.5, 0.1501],
    goalOffset: [-0.3, -0.45],
    // the door shut
    hingeAtReset: 0,
  },
});
