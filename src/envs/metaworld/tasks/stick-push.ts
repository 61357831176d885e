/** stick-push-v2: grasp a stick and push a thermos with it to a goal. */
import { dist, tolerance } from '../rewards.ts';
import { matToQuatXYZW } from '../rotation.ts';
import { defineTask, SawyerXYZEnv, type CagingOptions, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.12;
const GOAL_LOW = [0.399, 0.55, 0.1319] as const;
const GOAL_HIGH = [0.401, 0.6, 0.1321] as const;
const STICK_Z = 0.02;

export class SawyerStickPushV2 extends SawyerXYZEnv {
  /** Upstream `stick_init_pos` (the caging reward measures from it, not from `obj_init_pos`). */
  private stickInitPos: Float64Array = Float64Array.of(-0.1, 0.6, STICK_Z);

  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.08, 0.58, 0, ...GOAL_LOW],
      randomResetHigh: [-0.03, 0.62, 0.001, ...GOAL_HIGH],
      goalLow: GOAL_LOW,
      goalHigh: GOAL_HIGH,
    });
  }

  /** The stick, then the thermos's insertion point (9 cm further along y). */
  protected objectPositions(): Float64Array {
    const p = new Float64Array(6);
    p.set(this.bodyPos('stick'), 0);
    const ins = this.sitePos('insertion');
    p.set([ins[0], ins[1] + 0.09, ins[2]], 3);
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
    this.targetPos = Float64Array.of(v[3], v[4], this.sitePos('insertion')[2]);
    this.setObjXyz(this.stickInitPos);
    // The thermos slides on two joints: back to the origin (upstream zeroes qvel[16:18], i.e. only qvel[16]).
    this.qpos.set([0, 0], 16);
    this.qvel[16] = 0;
    this.forward();
    this.objInitPos = this.bodyPos('object');
  }

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
    return {
      reward,
      info: {
        success: graspSuccess && containerToTarget <= 0.12 ? 1 : 0,
        near_object: tcpToStick <= 0.03 ? 1 : 0,
        grasp_success: graspSuccess ? 1 : 0,
        grasp_reward: objectGrasped,
        in_place_reward: stickInPlace,
        obj_to_target: containerToTarget,
        unscaled_reward: reward,
      },
    };
  }
}

export default defineTask({ name: 'stick-push-v2', scene: 'sawyer_stick_obj.xml', Env: SawyerStickPushV2 });
