/** door-lock-v2: turn a safe door's lock down into the locked position. */
import { LOCK_DISTANCE_SCALE, LOCK_LENGTH, SawyerDoorLockEnv } from '../families/door-lock.ts';
import { hamacherProduct, norm, tolerance } from '../rewards.ts';
import { defineTask, evaluation, type Evaluation } from '../task.ts';

export class SawyerDoorLockV2 extends SawyerDoorLockEnv {
  evaluateState(obs: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const leftPad = this.bodyPos('leftpad');
    const tcpToObj = norm([0, 1, 2].map((i) => (obj[i] - leftPad[i]) * LOCK_DISTANCE_SCALE[i]));
    const tcpToObjInit = norm([0, 1, 2].map((i) => (obj[i] - this.initLeftPad[i]) * LOCK_DISTANCE_SCALE[i]));
    const objToTarget = Math.abs(this.targetPos[2] - obj[2]);
    const tcpOpened = Math.max(obs[3], 0);
    const nearLock = tolerance(tcpToObj, { bounds: [0, 0.01], margin: tcpToObjInit, sigmoid: 'long_tail' });
    const lockPressed = tolerance(objToTarget, { bounds: [0, 0.005], margin: LOCK_LENGTH, sigmoid: 'long_tail' });
    const reward = 2 * hamacherProduct(tcpOpened, nearLock) + 8 * lockPressed;
    return evaluation(reward, {
      success: objToTarget <= 0.02,
      nearObject: tcpToObj <= 0.05,
      graspSuccess: obs[3] > 0,
      graspReward: nearLock,
      inPlaceReward: lockPressed,
      objToTarget,
    });
  }
}

export default defineTask({
  name: 'door-lock-v2',
  scene: 'sawyer_door_lock.xml',
  Env: SawyerDoorLockV2,
  variant: { lockSite: 'lockStartLock', lockAtReset: 'settle', goalOffset: [0, -0.04, -0.1] },
});
