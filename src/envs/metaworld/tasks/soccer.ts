/** soccer-v2: push a ball into a goal. */
import { matToQuatXYZW } from '../rotation.ts';
import { dist, tolerance } from '../rewards.ts';
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';

const OBJ_RADIUS = 0.013;
const TARGET_RADIUS = 0.07;
/** init_config['obj_init_pos'][2]: the ball's centre height at reset. */
const OBJ_INIT_Z = 0.03;
/** The in-place reward weighs x errors 3x (the ball must enter between the posts). */
const X_SCALING = [3, 1, 1] as const;

export class SawyerSoccerV2 extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.1, 0.6, 0.03, -0.1, 0.8, 0],
      randomResetHigh: [0.1, 0.7, 0.03, 0.1, 0.9, 0],
      goalLow: [-0.1, 0.8, 0],
      goalHigh: [0.1, 0.9, 0],
    });
  }

  protected objectPositions(): Float64Array {
    return this.bodyPos('soccer_ball');
  }

  protected objectQuaternions(): Float64Array {
    return matToQuatXYZW(this.bodyXmat('soccer_ball'));
  }

  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVectorApart(0.15);
    this.targetPos = v.slice(3, 6);
    this.objInitPos = Float64Array.of(v[0], v[1], OBJ_INIT_Z);
    this.setBodyPos('goal_whole', this.targetPos);
    this.setObjXyz(this.objInitPos);
    this.setSitePos('goal', this.targetPos);
  }

  evaluateState(obs: Float64Array, action: Float64Array): Evaluation {
    const obj = obs.subarray(4, 7);
    const tcpOpened = obs[3];
    const tcp = this.tcpCenter();
    const scaledDist = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
      Math.hypot(...[0, 1, 2].map((i) => (a[i] - b[i]) * X_SCALING[i]));
    const tcpToObj = dist(obj, tcp);
    const targetToObj = scaledDist(obj, this.targetPos);
    // Upstream's margin is the ball's (scaled) distance from where it started, not the start's from the goal.
    let inPlace = tolerance(targetToObj, {
      bounds: [0, TARGET_RADIUS],
      margin: scaledDist(obj, this.objInitPos),
      sigmoid: 'long_tail',
    });
    // Past the goal line but beside the goal: penalise.
    const goalLine = this.targetPos[1] - 0.1;
    if (obj[1] > goalLine && Math.abs(obj[0] - this.targetPos[0]) > 0.1) {
      inPlace = Math.min(Math.max(inPlace - 2 * ((obj[1] - goalLine) / (1 - goalLine)), 0), 1);
    }
    const objectGrasped = this.padCaging(obj, { objRadius: OBJ_RADIUS, gripExtra: 0.01, xzSuccessMargin: 0.005 });
    let reward = 3 * objectGrasped + 6.5 * inPlace;
    if (targetToObj < TARGET_RADIUS) reward = 10;
    // Success and the reported distance use the unscaled distance.
    const objToTarget = dist(obj, this.targetPos);
    return this.objectToGoalEvaluation(reward, { obj, tcpOpened, tcpToObj, objToTarget, graspReward: objectGrasped, inPlaceReward: inPlace });
  }
}

export default defineTask({ name: 'soccer-v2', scene: 'sawyer_soccer.xml', Env: SawyerSoccerV2 });
