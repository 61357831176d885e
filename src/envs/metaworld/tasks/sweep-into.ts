/** sweep-into-v2: sweep a block across the table into a hole. */
import { SawyerSweepEnv } from '../families/sweep.ts';
import { defineTask } from '../task.ts';

/** The hole. Upstream samples a goal too but never uses it: the target is always this point. */
const GOAL = [0, 0.84, 0.02] as const;

export class SawyerSweepIntoGoalV2 extends SawyerSweepEnv {
  protected resetModel(): void {
    this.resetHand();
    this.targetPos = Float64Array.from(GOAL);
    const objZ = this.bodyPos('obj')[2];
    const v = this.randomResetVectorApart(0.15, GOAL);
    this.objInitPos = Float64Array.of(v[0], v[1], objZ);
    this.setObjXyz(this.objInitPos);
    this.setSitePos('goal', this.targetPos);
  }
}

export default defineTask({
  name: 'sweep-into-v2',
  scene: 'sawyer_table_with_hole.xml',
  Env: SawyerSweepIntoGoalV2,
  variant: {
    randomResetLow: [-0.1, 0.6, 0.02, -0.001, 0.8399, 0.0199],
    randomResetHigh: [0.1, 0.7, 0.02, 0.001, 0.8401, 0.0201],
    goalLow: [-0.001, 0.8399, 0.0199],
    goalHigh: [0.001, 0.8401, 0.0201],
    quaternion: 'geom',
    // the target is the hole's centre at the block's current height
    targetAtBlockHeight: true,
    gripExtra: 0.005,
    xzSuccessMargin: 0.01,
  },
});
