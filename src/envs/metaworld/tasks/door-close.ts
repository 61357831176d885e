/** door-close-v2: swing an open door shut by pushing its handle. */
import { dist, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;
/** The door's hinge angle at reset: open by a right angle. */
const OPEN_ANGLE = -1.5708;

export class SawyerDoorCloseV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [Math.fround(-0.5), Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [0, 0.85, 0.15],
      randomResetHigh: [0.1, 0.95, 0.15],
      goalLow: [0.2, 0.65, 0.1499],
      goalHigh: [0.3, 0.75, 0.1501],
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
    this.targetPos = Float64Array.of(this.objInitPos[0] + 0.2, this.objInitPos[1] - 0.2, this.objInitPos[2]);
    this.setBodyPos('door', this.objInitPos);
    this.setSitePos('goal', this.targetPos);
    // upstream _set_obj_xyz(-1.5708): the door open and at rest, then mj_forward
    this.qpos[this.jointQposAdr('doorjoint')] = OPEN_ANGLE;
    this.qvel[this.jointDofAdr('doorjoint')] = 0;
    this.forward();
  }

  evaluateState(obs: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const target = this.targetPos;
    const tcpToTarget = dist(this.tcpCenter(), target);
    const objToTarget = dist(obj, target);
    const inPlace = tolerance(objToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, target),
      sigmoid: 'gaussian',
    });
    const handInPlace = tolerance(tcpToTarget, {
      bounds: [0, 0.25 * TARGET_RADIUS],
      margin: dist(this.handInitPos, obj) + 0.1,
      sigmoid: 'gaussian',
    });
    const reward = objToTarget < TARGET_RADIUS ? 10 : 3 * handInPlace + 6 * inPlace;
    return {
      reward,
      info: {
        obj_to_target: objToTarget,
        // upstream reports the hand term under this key
        in_place_reward: handInPlace,
        success: objToTarget <= 0.08 ? 1 : 0,
        near_object: 0,
        grasp_success: 1,
        grasp_reward: 1,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'door-close-v2', scene: 'sawyer_door_pull.xml', Env: SawyerDoorCloseV2 });
