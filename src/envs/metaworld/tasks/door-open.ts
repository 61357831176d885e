/** door-open-v2: swing a door open by pulling its handle round. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

/** Inside this xy radius around the handle the reward's "floor" vanishes. */
const FLOOR_RADIUS = 0.12;
/** The door counts as open when the handle's x is within this of the goal's x. */
const SUCCESS_X = 0.08;

export class SawyerDoorOpenV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [0, 0.85, 0.15],
      randomResetHigh: [0.1, 0.95, 0.15],
      goalLow: [-0.3, 0.4, 0.1499],
      goalHigh: [-0.2, 0.5, 0.1501],
    });
  }

  protected objectPositions(): Float64Array {
    return this.geomPos('handle');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('handle');
  }

  protected resetModel(): void {
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.targetPos = Float64Array.of(this.objInitPos[0] - 0.3, this.objInitPos[1] - 0.45, this.objInitPos[2]);
    this.setBodyPos('door', this.objInitPos);
    this.setSitePos('goal', this.targetPos);
    // upstream _set_obj_xyz(0): the door shut and at rest, then mj_forward
    this.qpos[this.jointQposAdr('doorjoint')] = 0;
    this.qvel[this.jointDofAdr('doorjoint')] = 0;
    this.forward();
  }

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
    return {
      reward,
      info: {
        success: success ? 1 : 0,
        near_object: readyToOpen,
        grasp_success: grab >= 0.5 ? 1 : 0,
        grasp_reward: grab,
        in_place_reward: opened,
        obj_to_target: 0,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'door-open-v2', scene: 'sawyer_door_pull.xml', Env: SawyerDoorOpenV2 });
