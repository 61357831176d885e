/** shelf-place-v2: pick up a block and place it on a shelf. */
import { dist, hamacherProduct, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const TARGET_RADIUS = 0.05;
const GOAL_LOW = [-0.1, 0.8, 0.299] as const;
const GOAL_HIGH = [0.1, 0.9, 0.301] as const;

export class SawyerShelfPlaceV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.5, 0.019, ...GOAL_LOW],
      randomResetHigh: [0.1, 0.6, 0.021, ...GOAL_HIGH],
      goalLow: GOAL_LOW,
      goalHigh: GOAL_HIGH,
    });
  }

  protected objectPositions(): Float64Array {
    return this.bodyPos('obj');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('objGeom');
  }

  protected resetModel(): void {
    this.resetHand();
    // Upstream adjust_initObjPos: only the block's resting height (body z) survives the placement below.
    const objZ = this.bodyPos('obj')[2];
    const v = this.randomResetVectorApart(0.1);
    const shelf = [v[3], v[4], v[5] - 0.3];
    this.objInitPos = Float64Array.of(v[0], v[1], objZ);
    this.setBodyPos('shelf', shelf);
    const site = this.modelView('site_pos');
    const g = 3 * this.siteId('goal');
    this.targetPos = Float64Array.of(site[g] + shelf[0], site[g + 1] + shelf[1], site[g + 2] + shelf[2]);
    this.setObjXyz(this.objInitPos);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const target = this.targetPos;
    const objToTarget = dist(obj, target);
    const tcpToObj = dist(obj, this.tcpCenter());
    let inPlace = tolerance(objToTarget, { bounds: [0, TARGET_RADIUS], margin: dist(this.objInitPos, target), sigmoid: 'long_tail' });
    const objectGrasped = this.gripperCagingReward(action, obj, {
      objRadius: 0.02,
      padSuccessThresh: 0.05,
      objectReachRadius: 0.01,
      xzThresh: 0.01,
      highDensity: false,
    });
    let reward = hamacherProduct(objectGrasped, inPlace);
    // Below the shelf, just in front of it: the closer to the shelf's front edge, the less it is worth.
    const belowShelf = obj[2] > 0 && obj[2] < 0.24 && target[0] - 0.15 < obj[0] && obj[0] < target[0] + 0.15;
    if (belowShelf && target[1] - 3 * TARGET_RADIUS < obj[1] && obj[1] < target[1]) {
      const zScaling = (0.24 - obj[2]) / 0.24;
      const yScaling = (obj[1] - (target[1] - 3 * TARGET_RADIUS)) / (3 * TARGET_RADIUS);
      const boundLoss = hamacherProduct(yScaling, zScaling);
      inPlace = Math.min(Math.max(inPlace - boundLoss, 0), 1);
    }
    if (belowShelf && obj[1] > target[1]) inPlace = 0;
    if (tcpToObj < 0.025 && tcpOpened > 0 && obj[2] - 0.01 > this.objInitPos[2]) reward += 1 + 5 * inPlace;
    if (objToTarget < TARGET_RADIUS) reward = 10;
    return this.objectToGoalEvaluation(reward, { obj, tcpOpened, tcpToObj, objToTarget, graspReward: objectGrasped, inPlaceReward: inPlace });
  }
}

export default defineTask({ name: 'shelf-place-v2', scene: 'sawyer_shelf_placing.xml', Env: SawyerShelfPlaceV2 });
