/** door-unlock-v2: push a safe door's lock sideways out of the locked position. */
import { LOCK_DISTANCE_SCALE, LOCK_LENGTH, SawyerDoorLockEnv } from '../families/door-lock.ts';
import { norm, tolerance } from '../rewards.ts';
import { defineTask, evaluation, type Evaluation } from '../task.ts';

/** The reward tracks the gripper's "shoulder", this far from the hand. */
const SHOULDER_OFFSET = [0, 0.055, 0.07];

export class SawyerDoorUnlockV2 extends SawyerDoorLockEnv {
  evaluateState(obs: Float64Array): Evaluation {
    const gripper = obs.subarray(0, 3);
    const lock = obs.subarray(4, 7);
    const shoulderToLock = norm([0, 1, 2].map((i) => (gripper[i] + SHOULDER_OFFSET[i] - lock[i]) * LOCK_DISTANCE_SCALE[i]));
    const shoulderToLockInit = norm([0, 1, 2].map((i) => (this.initTcp[i] + SHOULDER_OFFSET[i] - this.objInitPos[i]) * LOCK_DISTANCE_SCALE[i]));
    // a hint only: worth far less than actually unlocking
    const readyToPush = tolerance(shoulderToLock, { bounds: [0, 0.02], margin: shoulderToLockInit, sigmoid: 'long_tail' });
    const objToTarget = Math.abs(this.targetPos[0] - lock[0]);
    const pushed = tolerance(objToTarget, { bounds: [0, 0.005], margin: LOCK_LENGTH, sigmoid: 'long_tail' });
    const reward = 2 * readyToPush + 8 * pushed;
    return evaluation(reward, {
      success: objToTarget <= 0.02,
      nearObject: shoulderToLock <= 0.05,
      graspSuccess: obs[3] > 0,
      graspReward: readyToPush,
      inPlaceReward: pushed,
      objToTarget,
    });
  }
}

export default defineTask({
  name: 'door-unlock-v2',
  scene: 'sawyer_door_lock.xml',
  Env: SawyerDoorUnlockV2,
  variant: {
    lockSite: 'lockStartUnlock',
    goalLow: [0, 0.64, 0.21],
    goalHigh: [0.2, 0.7, 0.2111],
    // the lock's hinge locked
    lockAtReset: 1.5708,
    goalOffset: [0.1, -0.04, 0],
  },
});
