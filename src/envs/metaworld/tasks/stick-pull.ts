/** stick-pull-v2: grasp a stick, hook it into a thermos's handle and pull the thermos to a goal. */
import { SawyerStickEnv } from '../families/stick.ts';
import { dist, hamacherProduct, norm, tolerance } from '../rewards.ts';
import { defineTask, evaluation, type Evaluation } from '../task.ts';

const TARGET_RADIUS = 0.05;
const GOAL_LOW = [0.35, 0.45, 0.0199] as const;
const GOAL_HIGH = [0.45, 0.55, 0.0201] as const;

export class SawyerStickPullV2 extends SawyerStickEnv {
  /** The stick's end has passed the handle and sits within its y/z window. */
  private static stickIsInserted(handle: ArrayLike<number>, endOfStick: ArrayLike<number>): boolean {
    return endOfStick[0] >= handle[0] && Math.abs(endOfStick[1] - handle[1]) <= 0.04 && Math.abs(endOfStick[2] - handle[2]) <= 0.06;
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const stick = obs.subarray(4, 7);
    const endOfStick = this.sitePos('stick_end');
    const handle = obs.subarray(11, 14);
    const container = [handle[0] + 0.05, handle[1], handle[2]];
    const containerInit = [this.objInitPos[0] + 0.05, this.objInitPos[1], this.objInitPos[2]];
    const tcpOpened = obs[3];
    const target = this.targetPos;
    const tcpToStick = dist(stick, this.tcpCenter());
    const handleToTarget = dist(handle, target);

    // z errors count double
    const yz = (a: ArrayLike<number>, b: ArrayLike<number>): number => norm([a[0] - b[0], a[1] - b[1], 2 * (a[2] - b[2])]);
    const stickInPlace = tolerance(yz(stick, container), { bounds: [0, TARGET_RADIUS], margin: yz(this.stickInitPos, containerInit), sigmoid: 'long_tail' });
    const stickInPlace2 = tolerance(dist(stick, target), { bounds: [0, TARGET_RADIUS], margin: dist(this.stickInitPos, target), sigmoid: 'long_tail' });
    const containerInPlace = tolerance(dist(container, target), { bounds: [0, TARGET_RADIUS], margin: dist(this.objInitPos, target), sigmoid: 'long_tail' });

    let objectGrasped = this.gripperCagingReward(action, stick, {
      objRadius: 0.014,
      padSuccessThresh: 0.05,
      objectReachRadius: 0.01,
      xzThresh: 0.01,
      highDensity: true,
    });
    const holding = tcpToStick < 0.02 && tcpOpened > 0 && stick[2] - 0.01 > this.stickInitPos[2];
    if (holding) objectGrasped = 1;
    const inPlaceAndGrasped = hamacherProduct(objectGrasped, stickInPlace);
    let reward = inPlaceAndGrasped;
    const inserted = SawyerStickPullV2.stickIsInserted(handle, endOfStick);
    if (holding) {
      reward = 1 + inPlaceAndGrasped + 5 * stickInPlace;
      if (inserted) reward = handleToTarget <= 0.12 ? 10 : 1 + inPlaceAndGrasped + 5 + 2 * stickInPlace2 + containerInPlace;
    }
    return evaluation(reward, {
      success: handleToTarget <= 0.12 && inserted,
      nearObject: tcpToStick <= 0.03,
      graspSuccess: this.graspedAndLifted(stick, tcpOpened),
      graspReward: objectGrasped,
      inPlaceReward: stickInPlace,
      objToTarget: handleToTarget,
    });
  }
}

export default defineTask({
  name: 'stick-pull-v2',
  scene: 'sawyer_stick_obj.xml',
  Env: SawyerStickPullV2,
  variant: {
    handLow: [-0.5, 0.35, 0.05],
    randomResetLow: [-0.1, 0.55, 0, ...GOAL_LOW],
    randomResetHigh: [0, 0.65, 0.001, ...GOAL_HIGH],
    goalLow: GOAL_LOW,
    goalHigh: GOAL_HIGH,
    // the thermos's handle
    insertionOffsetY: 0,
    thermosSlide: [0, 0.09],
    goalHeight: 'stick',
  },
});
