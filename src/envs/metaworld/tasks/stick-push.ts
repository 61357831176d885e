/** stick-push-v2: grasp a stick and push a thermos with it to a goal. */
import { SawyerStickEnv } from '../families/stick.ts';
import { dist, tolerance } from '../rewards.ts';
import { defineTask, evaluation, type CagingOptions, type Evaluation } from '../task.ts';

const TARGET_RADIUS = 0.12;
const GOAL_LOW = [0.399, 0.55, 0.1319] as const;
const GOAL_HIGH = [0.401, 0.6, 0.1321] as const;

export class SawyerStickPushV2 extends SawyerStickEnv {
  /** Upstream overrides the caging reward only to measure from the stick's initial position. */
  protected override gripperCagingReward(action: ArrayLike<number>, objPos: ArrayLike<number>, o: CagingOptions): number {
    const objInitPos = this.objInitPos;
    this.objInitPos = this.stickInitPos;
    try {
      return super.gripperCagingReward(action, objPos, o);
    } finally {
      this.objInitPos = objInitPos;
    }
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const rawStick = obs.subarray(4, 7);
    const stick = [rawStick[0] + 0.015, rawStick[1], rawStick[2]];
    const container = obs.subarray(11, 14);
    const tcpOpened = obs[3];
    const target = this.targetPos;
    const tcpToStick = dist(stick, this.tcpCenter());
    const stickInPlace = tolerance(dist(stick, target), {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.stickInitPos, target) - TARGET_RADIUS,
      sigmoid: 'long_tail',
    });
    const containerToTarget = dist(container, target);
    const containerInPlace = tolerance(containerToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, target) - TARGET_RADIUS,
      sigmoid: 'long_tail',
    });
    let objectGrasped = this.gripperCagingReward(action, stick, {
      objRadius: 0.04,
      padSuccessThresh: 0.05,
      objectReachRadius: 0.01,
      xzThresh: 0.01,
      highDensity: true,
    });
    let reward = objectGrasped;
    if (tcpToStick < 0.02 && tcpOpened > 0 && stick[2] - 0.01 > this.stickInitPos[2]) {
      objectGrasped = 1;
      reward = containerToTarget <= TARGET_RADIUS ? 10 : 2 + 5 * stickInPlace + 3 * containerInPlace;
    }
    const graspSuccess = this.touchingMainObject() && tcpOpened > 0 && rawStick[2] - 0.01 > this.stickInitPos[2];
    return evaluation(reward, {
      success: graspSuccess && containerToTarget <= 0.12,
      nearObject: tcpToStick <= 0.03,
      graspSuccess,
      graspReward: objectGrasped,
      inPlaceReward: stickInPlace,
      objToTarget: containerToTarget,
    });
  }
}

export default defineTask({
  name: 'stick-push-v2',
  scene: 'sawyer_stick_obj.xml',
  Env: SawyerStickPushV2,
  variant: {
    handLow: [-0.5, 0.4, 0.05],
    randomResetLow: [-0.08, 0.58, 0, ...GOAL_LOW],
    randomResetHigh: [-0.03, 0.62, 0.001, ...GOAL_HIGH],
    goalLow: GOAL_LOW,
    goalHigh: GOAL_HIGH,
    // the insertion point, 9 cm further along y
    insertionOffsetY: 0.09,
    // the thermos back at its origin
    thermosSlide: [0, 0],
    goalHeight: 'insertion',
  },
});
