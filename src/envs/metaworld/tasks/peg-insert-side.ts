/** peg-insert-side-v2: pick up a peg and insert it sideways into a hole in a box. */
import { dist, hamacherProduct, norm, rectPrismTolerance, tolerance } from '../rewards.ts';
import { matToQuatXYZW } from '../rotation.ts';
import { defineTask, evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.07;
const GOAL_LOW = [-0.35, 0.4, -0.001] as const;
const GOAL_HIGH = [-0.25, 0.7, 0.001] as const;
/** The hole relative to the box origin. */
const HOLE_OFFSET = [0.03, 0, 0.13] as const;

export class SawyerPegInsertionSideV2 extends SawyerXYZEnv {
  /** Upstream `peg_head_pos_init`: read before the peg is placed, i.e. where the hand reset left it. */
  private pegHeadPosInit: Float64Array = new Float64Array(3);

  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [0, 0.5, 0.02, ...GOAL_LOW],
      randomResetHigh: [0.2, 0.7, 0.02, ...GOAL_HIGH],
      goalLow: [GOAL_LOW[0] + HOLE_OFFSET[0], GOAL_LOW[1] + HOLE_OFFSET[1], GOAL_LOW[2] + HOLE_OFFSET[2]],
      goalHigh: [GOAL_HIGH[0] + HOLE_OFFSET[0], GOAL_HIGH[1] + HOLE_OFFSET[1], GOAL_HIGH[2] + HOLE_OFFSET[2]],
    });
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('pegGrasp');
  }

  /** `Rotation.from_matrix(data.site('pegGrasp').xmat).as_quat()`: scipy (x, y, z, w). */
  protected objectQuaternions(): Float64Array {
    return matToQuatXYZW(this.dataView('site_xmat'), 9 * this.siteId('pegGrasp'));
  }

  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVectorApart(0.1);
    const box = v.subarray(3, 6);
    this.objInitPos = v.slice(0, 3);
    this.pegHeadPosInit = this.sitePos('pegHead');
    this.setObjXyz(this.objInitPos);
    this.setBodyPos('box', box);
    this.targetPos = Float64Array.of(box[0] + HOLE_OFFSET[0], box[1] + HOLE_OFFSET[1], box[2] + HOLE_OFFSET[2]);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const objHead = this.sitePos('pegHead');
    const tcpOpened = obs[3];
    const target = this.targetPos;
    const tcpToObj = dist(obj, this.tcpCenter());
    // y and z errors count double: the peg must be lifted and lined up before it goes in.
    const scaled = (p: ArrayLike<number>): number => norm([p[0] - target[0], 2 * (p[1] - target[1]), 2 * (p[2] - target[2])]);
    const objToTarget = scaled(objHead);
    let inPlace = tolerance(objToTarget, { bounds: [0, TARGET_RADIUS], margin: scaled(this.pegHeadPosInit), sigmoid: 'long_tail' });
    // Two boxes in front of the hole's wall where the peg's head earns less, the deeper it is.
    const collisionBox1 = rectPrismTolerance(objHead, this.sitePos('bottom_right_corner_collision_box_1'), this.sitePos('top_left_corner_collision_box_1'));
    const collisionBox2 = rectPrismTolerance(objHead, this.sitePos('bottom_right_corner_collision_box_2'), this.sitePos('top_left_corner_collision_box_2'));
    inPlace = hamacherProduct(inPlace, hamacherProduct(collisionBox2, collisionBox1));

    let objectGrasped = this.gripperCagingReward(action, obj, {
      objectReachRadius: 0.01,
      objRadius: 0.0075,
      padSuccessThresh: 0.03,
      xzThresh: 0.005,
      highDensity: true,
    });
    const holding = tcpToObj < 0.08 && tcpOpened > 0 && obj[2] - 0.01 > this.objInitPos[2];
    if (holding) objectGrasped = 1;
    let reward = hamacherProduct(objectGrasped, inPlace);
    if (holding) reward += 1 + 5 * inPlace;
    if (objToTarget <= TARGET_RADIUS) reward = 10;
    return evaluation(reward, {
      success: objToTarget <= 0.07,
      nearObject: tcpToObj <= 0.03,
      graspSuccess: tcpToObj < 0.02 && tcpOpened > 0 && obj[2] - 0.01 > this.objInitPos[2],
      graspReward: objectGrasped,
      inPlaceReward: inPlace,
      objToTarget,
    });
  }
}

export default defineTask({ name: 'peg-insert-side-v2', scene: 'sawyer_peg_insertion_side.xml', Env: SawyerPegInsertionSideV2 });
