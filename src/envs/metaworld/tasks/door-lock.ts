/** door-lock-v2: turn a safe door's lock down into the locked position. */
import { hamacherProduct, norm, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

/** The lock's travel: margin of the pressed reward. */
const LOCK_LENGTH = 0.1;
/** Left-pad-to-lock distances weigh x by a quarter and z by a half. */
const SCALE = [0.25, 1, 0.5];

export class SawyerDoorLockV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    const handLow = [-0.5, 0.4, -0.15] as const;
    const handHigh = [0.5, 1, 0.5] as const;
    super(ctx, {
      handLow,
      handHigh,
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.8, 0.15],
      randomResetHigh: [0.1, 0.85, 0.15],
      goalLow: handLow,
      goalHigh: handHigh,
    });
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('lockStartLock');
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('door_link');
  }

  protected resetModel(): void {
    this.resetHand();
    this.setBodyPos('door', this.randomResetVector());
    // upstream lets the moved door settle for one frame (5 physics steps, controls unchanged)
    for (let i = 0; i < 5; i++) this.mj.mj_step(this.model, this.data);
    this.objInitPos = this.bodyPos('lock_link');
    this.targetPos = Float64Array.of(this.objInitPos[0], this.objInitPos[1] - 0.04, this.objInitPos[2] - 0.1);
  }

  evaluateState(obs: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const leftPad = this.bodyPos('leftpad');
    const tcpToObj = norm([0, 1, 2].map((i) => (obj[i] - leftPad[i]) * SCALE[i]));
    const tcpToObjInit = norm([0, 1, 2].map((i) => (obj[i] - this.initLeftPad[i]) * SCALE[i]));
    const objToTarget = Math.abs(this.targetPos[2] - obj[2]);
    const tcpOpened = Math.max(obs[3], 0);
    const nearLock = tolerance(tcpToObj, { bounds: [0, 0.01], margin: tcpToObjInit, sigmoid: 'long_tail' });
    const lockPressed = tolerance(objToTarget, { bounds: [0, 0.005], margin: LOCK_LENGTH, sigmoid: 'long_tail' });
    const reward = 2 * hamacherProduct(tcpOpened, nearLock) + 8 * lockPressed;
    return {
      reward,
      info: {
        success: objToTarget <= 0.02 ? 1 : 0,
        near_object: tcpToObj <= 0.05 ? 1 : 0,
        grasp_success: obs[3] > 0 ? 1 : 0,
        grasp_reward: nearLock,
        in_place_reward: lockPressed,
        obj_to_target: objToTarget,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'door-lock-v2', scene: 'sawyer_door_lock.xml', Env: SawyerDoorLockV2 });
