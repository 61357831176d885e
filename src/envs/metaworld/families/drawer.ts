/** drawer-open and drawer-close: a drawer on a slide, moved by its handle; each task file gives reset and reward. */
import { SawyerXYZEnv, type SawyerContext } from '../task.ts';

export abstract class SawyerDrawerEnv extends SawyerXYZEnv {
  constructor(ctx: SawyerContext) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.9, 0],
      randomResetHigh: [0.1, 0.9, 0],
    });
  }

  /** The handle: 16 cm in front of the drawer body. */
  protected objectPositions(): Float64Array {
    const p = this.bodyPos('drawer_link');
    p[1] -= 0.16;
    return p;
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('drawer_link');
  }
}
