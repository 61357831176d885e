/** sweep-v2: sweep a block sideways off the table's edge. */
import { SawyerSweepEnv } from '../families/sweep.ts';
import { defineTask } from '../task.ts';

/** The goal beside the table; its y follows the block's sampled y. */
const GOAL = [0.5, 0.65, 0.01] as const;
/** init_config['obj_init_pos'][2]: the height the block is dropped from. */
const OBJ_INIT_Z = 0.02;

export class SawyerSweepV2 extends SawyerSweepEnv {
  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVector();
    this.objInitPos = Float64Array.of(v[0], v[1], OBJ_INIT_Z);
    this.targetPos = Float64Array.of(GOAL[0], v[1], GOAL[2]);
    this.setObjXyz(this.objInitPos);
    this.setSitePos('goal', this.targetPos);
  }
}

export default defineTask({
  name: 'sweep-v2',
  scene: 'sawyer_sweep_v3.xml',
  Env: SawyerSweepV2,
  variant: {
    randomResetLow: [-0.1, 0.6, 0.02],
    randomResetHigh: [0.1, 0.7, 0.02],
    goalLow: [0.49, 0.6, 0],
    goalHigh: [0.51, 0.7, 0.02],
    quaternion: 'body',
    targetAtBlockHeight: false,
    gripExtra: 0.01,
    xzSuccessMargin: 0.005,
  },
});
