/** door-unlock-v2: push a safe door's lock sideways out of the locked position. */
import { norm, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

/** The lock's travel: margin of the pushed reward. */
const LOCK_LENGTH = 0.1;
/** The lock's hinge angle at reset: locked. */
const LOCKED_ANGLE = 1.5708;
/** The reward tracks the gripper's "shoulder", this far from the hand. */
const SHOULDER_OFFSET = [0, 0.055, 0.07];
/** Shoulder-to-lock distances weigh x by a quarter and z by a half. */
const SCALE = [0.25, 1, 0.5];

export class SawyerDoorUnlockV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, -0.15],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.8, 0.15],
      randomResetHigh: [0.1, 0.85, 0.15],
      goalLow: [0, 0.64, 0.21],
      goalHigh: [0.2, 0.7, 0.2111],
    });
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('lockStartUnlock');
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('door_link');
  }

  protected resetModel(): void {
    this.resetHand();
    this.setBodyPos('door', this.randomResetVector());
    // upstream _set_obj_xyz(1.5708): the lock's hinge (qpos[9]) locked and at rest, then mj_forward
    this.qpos[9] = LOCKED_ANGLE;
    this.qvel[9] = 0;
    this.forward();
    this.objInitPos = this.bodyPos('lock_link');
    this.targetPos = Float64Array.of(this.objInitPos[0] + 0.1, this.objInitPos[1] - 0.04, this.objInitPos[2]);
  }

  evaluateState(obs: Float64Array): Evaluation {
    const gripper = obs.subarray(0, 3);
    const lock = obs.subarray(4, 7);
    const shoulderToLock = norm([0, 1, 2].map((i) => (gripper[i] + SHOULDER_OFFSET[i] - lock[i]) * SCALE[i]));
    const shoulderToLockInit = norm([0, 1, 2].map((i) => (this.initTcp[i] + SHOULDER_OFFSET[i] - this.objInitPos[i]) * SCALE[i]));
    // a hint only: worth far less than actually unlocking
    const readyToPush = tolerance(shoulderToLock, { bounds: [0, 0.02], margin: shoulderToLockInit, sigmoid: 'long_tail' });
    const objToTarget = Math.abs(this.targetPos[0] - lock[0]);
    const pushed = tolerance(objToTarget, { bounds: [0, 0.005], margin: LOCK_LENGTH, sigmoid: 'long_tail' });
    const reward = 2 * readyToPush + 8 * pushed;
    return {
      reward,
      info: {
        success: objToTarget <= 0.02 ? 1 : 0,
        near_object: shoulderToLock <= 0.05 ? 1 : 0,
        grasp_success: obs[3] > 0 ? 1 : 0,
        grasp_reward: readyToPush,
        in_place_reward: pushed,
        obj_to_target: objToTarget,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'door-unlock-v2', scene: 'sawyer_door_lock.xml', Env: SawyerDoorUnlockV2 });
