/** assembly-v2: pick up a nut (wrench) by its handle and drop it over a peg. */
import { SawyerNutEnv } from '../families/nut.ts';
import { norm, tolerance } from '../rewards.ts';
import { defineTask } from '../task.ts';

const GOAL_LOW = [-0.1, 0.75, 0.1] as const;
const GOAL_HIGH = [0.1, 0.85, 0.1] as const;

export class SawyerNutAssemblyV2 extends SawyerNutEnv {
  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVectorApart(0.1);
    this.objInitPos = v.slice(0, 3);
    this.targetPos = v.slice(3, 6);
    this.setObjXyz(this.objInitPos);
    this.setBodyPos('peg', [this.targetPos[0], this.targetPos[1], this.targetPos[2] - 0.05]);
    // (upstream writes the goal's world position into the peg-relative site: only the rendering notices)
    this.setSitePos('pegTop', this.targetPos);
  }

  /** The nut's centre must come down around the peg, guided by a funnel. */
  protected placement(wrenchCenter: ArrayLike<number>): [number, boolean] {
    const target = this.targetPos;
    const error = [target[0] - wrenchCenter[0], target[1] - wrenchCenter[1], target[2] - wrenchCenter[2]];
    const radius = Math.hypot(error[0], error[1]);
    const success = radius < 0.02 && error[2] > 0;
    // Once placed, widen the funnel's neck: no need for more precision.
    const threshold = success ? 0.02 : 0.01;
    const targetHeight = radius > threshold ? 0.02 * Math.log(radius - threshold) + 0.2 : 0;
    error[2] = targetHeight - wrenchCenter[2];
    const lifted = wrenchCenter[2] > 0.02 || radius < threshold ? 1 : 0;
    const inPlace = 0.1 * lifted + 0.9 * tolerance(norm([error[0], error[1], 3 * error[2]]), { bounds: [0, 0.02], margin: 0.4, sigmoid: 'long_tail' });
    return [inPlace, success];
  }
}

export default defineTask({
  name: 'assembly-v2',
  scene: 'sawyer_assembly_peg.xml',
  Env: SawyerNutAssemblyV2,
  variant: {
    // upstream stores hand_init_pos as float32
    handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
    randomResetLow: [0, 0.6, 0.02, ...GOAL_LOW],
    randomResetHigh: [0, 0.6, 0.02, ...GOAL_HIGH],
    goalLow: GOAL_LOW,
    goalHigh: GOAL_HIGH,
    grabDensity: 'medium',
  },
});
