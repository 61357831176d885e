/** drawer-open-v2: pull a drawer open by its handle. */
import { SawyerDrawerEnv } from '../families/drawer.ts';
import { dist, norm, tolerance } from '../rewards.ts';
import { defineTask, evaluation, type Evaluation } from '../task.ts';

const MAX_DIST = 0.2;

export class SawyerDrawerOpenV2 extends SawyerDrawerEnv {
  protected resetModel(): void {
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.setBodyPos('drawer', this.objInitPos);
    this.targetPos = Float64Array.of(this.objInitPos[0], this.objInitPos[1] - 0.16 - MAX_DIST, this.objInitPos[2] + 0.09);
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array): Evaluation {
    const gripper = obs.subarray(0, 3);
    const handle = obs.subarray(4, 7);
    const handleError = dist(handle, this.targetPos);
    const openingReward = tolerance(handleError, { bounds: [0, 0.02], margin: MAX_DIST, sigmoid: 'long_tail' });
    // XY errors weigh 3x so the gripper can drop down and cage the handle without running into it.
    const scale = [3, 3, 1];
    const handleInit = [this.targetPos[0], this.targetPos[1] + MAX_DIST, this.targetPos[2]];
    const gripperError = [0, 1, 2].map((i) => (handle[i] - gripper[i]) * scale[i]);
    const gripperErrorInit = [0, 1, 2].map((i) => (handleInit[i] - this.initTcp[i]) * scale[i]);
    const cagingReward = tolerance(norm(gripperError), { bounds: [0, 0.01], margin: norm(gripperErrorInit), sigmoid: 'long_tail' });
    const reward = 5 * (cagingReward + openingReward);
    const gripperToHandle = dist(handle, gripper);
    return evaluation(reward, {
      success: handleError <= 0.03,
      nearObject: gripperToHandle <= 0.03,
      graspSuccess: obs[3] > 0,
      graspReward: cagingReward,
      inPlaceReward: openingReward,
      objToTarget: handleError,
    });
  }
}

export default defineTask({ name: 'drawer-open-v2', scene: 'sawyer_drawer.xml', Env: SawyerDrawerOpenV2 });
