/** stick-pull-v2: grasp a stick, hook it into a thermos's handle and pull the thermos to a goal. */
import { dist, hamacherProduct, norm, tolerance } from '../rewards.ts';
import { matToQuatXYZW } from '../rotation.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;
const GOAL_LOW = [0.35, 0.45, 0.0199] as const;
const GOAL_HIGH = [0.45, 0.55, 0.0201] as const;
const STICK_Z = 0.02;

export class SawyerStickPullV2 extends SawyerXYZEnv {
  private stickInitPos: Float64Array = Float64Array.of(0, 0.6, STICK_Z);

  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.35, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.1, 0.55, 0, ...GOAL_LOW],
      randomResetHigh: [0, 0.65, 0.001, ...GOAL_HIGH],
      goalLow: GOAL_LOW,
      goalHigh: GOAL_HIGH,
    });
  }

  /** The stick, then the thermos's handle (the insertion site). */
  protected objectPositions(): Float64Array {
    const p = new Float64Array(6);
    p.set(this.bodyPos('stick'), 0);
    p.set(this.sitePos('insertion'), 3);
    return p;
  }

  /** The stick's scipy (x, y, z, w) quaternion from its body matrix; none for the thermos. */
  protected objectQuaternions(): Float64Array {
    const q = new Float64Array(8);
    q.set(matToQuatXYZW(this.dataView('xmat'), 9 * this.bodyId('stick')), 0);
    return q;
  }

  protected resetModel(): void {
    this.resetHand();
    let v = this.randomResetVector();
    while (Math.hypot(v[0] - v[3], v[1] - v[4]) < 0.1) v = this.randomResetVector();
    this.stickInitPos = Float64Array.of(v[0], v[1], STICK_Z);
    this.targetPos = Float64Array.of(v[3], v[4], STICK_Z);
    this.setObjXyz(this.stickInitPos);
    // The thermos slides on two joints (upstream zeroes qvel[16:18], i.e. only qvel[16]).
    this.qpos.set([0, 0.09], 16);
    this.qvel[16] = 0;
    this.forward();
    this.objInitPos = this.bodyPos('object');
  }

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
    return {
      reward,
      info: {
        success: handleToTarget <= 0.12 && inserted ? 1 : 0,
        near_object: tcpToStick <= 0.03 ? 1 : 0,
        grasp_success: this.touchingMainObject() && tcpOpened > 0 && stick[2] - 0.02 > this.objInitPos[2] ? 1 : 0,
        grasp_reward: objectGrasped,
        in_place_reward: stickInPlace,
        obj_to_target: handleToTarget,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'stick-pull-v2', scene: 'sawyer_stick_obj.xml', Env: SawyerStickPullV2 });
