/** dial-turn-v2: turn a dial's knob until the point on its rim reaches the goal. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

/** This task overrides upstream's base TARGET_RADIUS (0.05). */
const TARGET_RADIUS = 0.07;
const DIAL_RADIUS = 0.05;
/** Where the gripper pushes, relative to the tracked rim point. */
const PUSH_OFFSET = [0.05, 0.02, 0.09];

export class SawyerDialTurnV2 extends SawyerXYZEnv {
  /** The push point at reset (upstream `dial_push_position`). */
  private dialPushPositionInit: Float64Array = new Float64Array(3);

  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.7, 0],
      randomResetHigh: [0.1, 0.8, 0],
      goalLow: [-0.1, 0.73, 0.0299],
      goalHigh: [0.1, 0.83, 0.0301],
    });
  }

  /** A point on the knob's rim that turns with it. */
  protected objectPositions(): Float64Array {
    const p = this.bodyPos('dial');
    const angle = this.qpos[this.jointQposAdr('knob_Joint_1')];
    p[0] += Math.sin(angle) * DIAL_RADIUS;
    p[1] += -Math.cos(angle) * DIAL_RADIUS;
    return p;
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('dial');
  }

  private pushPosition(): Float64Array {
    const p = this.objectPositions();
    for (let i = 0; i < 3; i++) p[i] += PUSH_OFFSET[i];
    return p;
  }

  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVector();
    this.objInitPos = v.slice(0, 3);
    this.targetPos = Float64Array.of(v[0], v[1] + 0.03, v[2] + 0.03);
    this.setBodyPos('dial', this.objInitPos);
    // Upstream reads the push point here without mj_forward, i.e. where the dial stood during the
    // hand reset (the previous episode's place); we read it at the new place so a seed fixes the episode.
    this.forward();
    this.dialPushPositionInit = this.pushPosition();
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = this.objectPositions();
    const pushPosition = this.pushPosition();
    const tcp = this.tcpCenter();
    const target = this.targetPos;
    const targetToObj = dist(obj, target);
    const targetToObjInit = dist(this.dialPushPositionInit, target);
    const inPlace = tolerance(targetToObj, {
      bounds: [0, TARGET_RADIUS],
      margin: Math.abs(targetToObjInit - TARGET_RADIUS),
      sigmoid: 'long_tail',
    });
    const dialReachRadius = 0.005;
    const tcpToObj = dist(pushPosition, tcp);
    const tcpToObjInit = dist(this.dialPushPositionInit, this.initTcp);
    const reachAlone = tolerance(tcpToObj, {
      bounds: [0, dialReachRadius],
      margin: Math.abs(tcpToObjInit - dialReachRadius),
      sigmoid: 'gaussian',
    });
    const gripperClosed = Math.min(Math.max(0, action[3]), 1);
    const reach = hamacherProduct(reachAlone, gripperClosed);
    const reward = 10 * hamacherProduct(reach, inPlace);
    return evaluation(reward, {
      success: targetToObj <= TARGET_RADIUS,
      nearObject: tcpToObj <= 0.01,
      graspSuccess: 1,
      graspReward: reach,
      inPlaceReward: inPlace,
      objToTarget: targetToObj,
    });
  }
}

export default defineTask({ name: 'dial-turn-v2', scene: 'sawyer_dial.xml', Env: SawyerDialTurnV2 });
