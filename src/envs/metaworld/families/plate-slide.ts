/**
 * The plate-slide tasks: slide a puck (on two slide joints) along the table into a goal, forward
 * (plate-slide), sideways (plate-slide-side), or out of a cabinet back towards the robot
 * (plate-slide-back, plate-slide-back-side).
 */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext, type XYZ } from '../task.ts';

const TARGET_RADIUS = 0.05;

export interface PlateSlideVariant {
  puckLow: XYZ;
  puckHigh: XYZ;
  goalLow: XYZ;
  goalHigh: XYZ;
  /** Where the cabinet (`puck_goal` body) stands: at the goal, or around the puck's start (the back tasks). */
  cabinetAt: 'goal' | 'puck';
  /** The puck's slide joints (x, y) at reset. */
  puckSlide: readonly [number, number];
  /**
   * plate-slide's reward: 8 · hamacher(reach, in place), margins from the start; the others': 1.5 · reach,
   * 2 + 7 · in place once the hand is down beside the puck, margins less the target radius.
   */
  reward: 'reach-and-place' | 'hand-on-table';
  /** Upstream's plate-slide and plate-slide-side list `grasp_reward` before `grasp_success` in the info. */
  graspRewardFirst: boolean;
}

export class SawyerPlateSlideEnv extends SawyerXYZEnv {
  private readonly variant: PlateSlideVariant;

  constructor(ctx: SawyerContext, variant: PlateSlideVariant) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [...variant.puckLow, ...variant.goalLow],
      randomResetHigh: [...variant.puckHigh, ...variant.goalHigh],
      goalLow: variant.goalLow,
      goalHigh: variant.goalHigh,
    });
    this.variant = variant;
  }

  protected objectPositions(): Float64Array {
    return this.geomPos('puck');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('puck');
  }

  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVector();
    this.objInitPos = v.slice(0, 3);
    this.targetPos = v.slice(3, 6);
    this.setBodyPos('puck_goal', this.variant.cabinetAt === 'goal' ? this.targetPos : this.objInitPos);
    this.setSitePos('goal', this.targetPos);
    // upstream _set_obj_xyz: the puck's two slide joints (velocities kept), then mj_forward
    this.qpos[9] = this.variant.puckSlide[0];
    this.qpos[10] = this.variant.puckSlide[1];
    this.forward();
  }

  evaluateState(obs: Float64Array): Evaluation {
    const handOnTable = this.variant.reward === 'hand-on-table';
    const marginCut = handOnTable ? TARGET_RADIUS : 0;
    const tcp = this.tcpCenter();
    const obj = obs.subarray(4, 7);
    const objToTarget = dist(obj, this.targetPos);
    const inPlace = tolerance(objToTarget, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, this.targetPos) - marginCut,
      sigmoid: 'long_tail',
    });
    const tcpToObj = dist(tcp, obj);
    const objectGrasped = tolerance(tcpToObj, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.initTcp, this.objInitPos) - marginCut,
      sigmoid: 'long_tail',
    });
    let reward: number;
    if (handOnTable) {
      reward = 1.5 * objectGrasped;
      // the hand down on the table beside the puck
      if (tcp[2] <= 0.03 && tcpToObj < 0.07) reward = 2 + 7 * inPlace;
      if (objToTarget < TARGET_RADIUS) reward = 10;
    } else {
      reward = objToTarget < TARGET_RADIUS ? 10 : 8 * hamacherProduct(objectGrasped, inPlace);
    }
    const e = evaluation(reward, {
      success: objToTarget <= 0.07,
      nearObject: tcpToObj <= 0.03,
      graspSuccess: 0,
      graspReward: objectGrasped,
      inPlaceReward: inPlace,
      objToTarget,
    });
    if (!this.variant.graspRewardFirst) return e;
    const { success, near_object, grasp_success, grasp_reward, ...rest } = e.info;
    return { reward, info: { success, near_object, grasp_reward, grasp_success, ...rest } };
  }
}
