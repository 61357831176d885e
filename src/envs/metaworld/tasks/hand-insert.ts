/** hand-insert-v2: carry a block into a hole in the table. */
import { PUCK_CAGING } from '../families/puck.ts';
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, evaluation, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;
/** init_config['obj_init_pos'][2]: the height the block is dropped from. */
const OBJ_INIT_Z = 0.05;

export class SawyerHandInsertV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, -0.15],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.6, 0.05, -0.04, 0.8, -0.0201],
      randomResetHigh: [0.1, 0.7, 0.05, 0.04, 0.88, -0.0199],
      goalLow: [-0.04, 0.8, -0.0201],
      goalHigh: [0.04, 0.88, -0.0199],
    });
  }

  protected objectPositions(): Float64Array {
    return this.bodyPos('obj');
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('obj');
  }

  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVectorApart(0.15);
    this.objInitPos = Float64Array.of(v[0], v[1], OBJ_INIT_Z);
    this.targetPos = v.slice(3, 6);
    this.setObjXyz(this.objInitPos);
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const targetToObj = dist(obj, this.targetPos);
    const inPlace = tolerance(targetToObj, {
      bounds: [0, TARGET_RADIUS],
      margin: dist(this.objInitPos, this.targetPos),
      sigmoid: 'long_tail',
    });
    const objectGrasped = this.gripperCagingReward(action, obj, { ...PUCK_CAGING, highDensity: true });
    let reward = hamacherProduct(objectGrasped, inPlace);
    const tcpToObj = dist(obj, this.tcpCenter());
    if (tcpToObj < 0.02 && tcpOpened > 0) reward += 1 + 7 * inPlace;
    if (targetToObj < TARGET_RADIUS) reward = 10;
    return evaluation(reward, {
      success: targetToObj <= 0.05,
      nearObject: tcpToObj <= 0.03,
      graspSuccess: this.graspedAndLifted(obj, tcpOpened),
      graspReward: objectGrasped,
      inPlaceReward: inPlace,
      objToTarget: targetToObj,
    });
  }
}

export default defineTask({ name: 'hand-insert-v2', scene: 'sawyer_table_with_hole.xml', Env: SawyerHandInsertV2 });
