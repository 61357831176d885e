/** disassemble-v2: lift a nut (wrench) off its peg. */
import { SawyerNutEnv } from '../families/nut.ts';
import { dist, tolerance } from '../rewards.ts';
import { defineTask } from '../task.ts';

const GOAL_LOW = [-0.1, 0.6, 0.1699] as const;
const GOAL_HIGH = [0.1, 0.75, 0.1701] as const;

export class SawyerNutDisassembleV2 extends SawyerNutEnv {
  private readonly pegHome: Float64Array = this.modelBodyPos('peg');

  protected resetModel(): void {
    // Upstream leaves the peg where the last episode put it while the hand resets, where it can strike the
    // nut (back at its XML pose): put the peg home first so a seed fixes the episode.
    this.setBodyPos('peg', this.pegHome);
    this.resetHand();
    const v = this.randomResetVectorApart(0.1);
    this.objInitPos = v.slice(0, 3);
    const [x, y, z] = this.objInitPos;
    this.targetPos = Float64Array.of(x, y, z + 0.15);
    this.setBodyPos('peg', [x, y, z + 0.03]);
    this.setSitePos('pegTop', [x, y, z + 0.08]);
    this.forward();
    this.setObjXyz(this.objInitPos);
  }

  /** The nut's centre lifted to 10 cm above the target; success once the nut's handle is above it. */
  protected placement(wrenchCenter: ArrayLike<number>, obs: Float64Array): [number, boolean] {
    const target = this.targetPos;
    const above = [target[0], target[1], target[2] + 0.1];
    const lifted = wrenchCenter[2] > 0.02 ? 1 : 0;
    const inPlace = 0.1 * lifted + 0.9 * tolerance(dist(above, wrenchCenter), { bounds: [0, 0.02], margin: 0.2, sigmoid: 'long_tail' });
    return [inPlace, obs[6] > target[2]];
  }
}

export default defineTask({
  name: 'disassemble-v2',
  scene: 'sawyer_assembly_peg.xml',
  Env: SawyerNutDisassembleV2,
  variant: {
    // upstream stores hand_init_pos as float32
    handInitPos: [0, Math.fround(0.4), Math.fround(0.2)],
    randomResetLow: [0, 0.6, 0.025, ...GOAL_LOW],
    randomResetHigh: [0.1, 0.75, 0.02501, ...GOAL_HIGH],
    goalLow: [GOAL_LOW[0], GOAL_LOW[1], GOAL_LOW[2] + 0.005],
    goalHigh: [GOAL_HIGH[0], GOAL_HIGH[1], GOAL_HIGH[2] + 0.005],
    grabDensity: 'high',
  },
});
