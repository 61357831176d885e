/** stick-pull and stick-push: grasp a stick and move a thermos (on two slide joints) with it to a goal. */
import { matToQuatXYZW } from '../rotation.ts';
import { SawyerXYZEnv, type SawyerContext, type XYZ } from '../task.ts';

const STICK_Z = 0.02;

export interface StickVariant {
  handLow: XYZ;
  /** Stick (x, y, z), then goal (x, y, z). */
  randomResetLow: readonly number[];
  randomResetHigh: readonly number[];
  goalLow: XYZ;
  goalHigh: XYZ;
  /** The thermos's observed point: its insertion site, moved this far along y. */
  insertionOffsetY: number;
  /** The thermos's slide joints (qpos[16:18]) at reset. */
  thermosSlide: readonly [number, number];
  /** The goal's height: the stick's, or the insertion site's (read before the stick is placed, as upstream). */
  goalHeight: 'stick' | 'insertion';
}

/** The scene and its reset; each task file gives its reward. */
export abstract class SawyerStickEnv extends SawyerXYZEnv {
  /** Upstream `stick_init_pos`. */
  protected stickInitPos: Float64Array = new Float64Array(3);
  private readonly variant: StickVariant;

  constructor(ctx: SawyerContext, variant: StickVariant) {
    super(ctx, {
      handLow: variant.handLow,
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: variant.randomResetLow,
      randomResetHigh: variant.randomResetHigh,
      goalLow: variant.goalLow,
      goalHigh: variant.goalHigh,
    });
    this.variant = variant;
  }

  /** The stick, then the thermos's insertion point. */
  protected objectPositions(): Float64Array {
    const p = new Float64Array(6);
    p.set(this.bodyPos('stick'), 0);
    const ins = this.sitePos('insertion');
    p.set([ins[0], ins[1] + this.variant.insertionOffsetY, ins[2]], 3);
    return p;
  }

  /** The stick's scipy (x, y, z, w) quaternion from its body matrix; none for the thermos. */
  protected objectQuaternions(): Float64Array {
    const q = new Float64Array(8);
    q.set(matToQuatXYZW(this.dataView('xmat'), 9 * this.bodyId('stick')), 0);
    return q;
  }

  protected resetModel(): void {
    this.resetHand();
    const v = this.randomResetVectorApart(0.1);
    this.stickInitPos = Float64Array.of(v[0], v[1], STICK_Z);
    const goalZ = this.variant.goalHeight === 'stick' ? STICK_Z : this.sitePos('insertion')[2];
    this.targetPos = Float64Array.of(v[3], v[4], goalZ);
    this.setObjXyz(this.stickInitPos);
    // The thermos slides on two joints (upstream zeroes qvel[16:18], i.e. only qvel[16]).
    this.qpos.set(this.variant.thermosSlide, 16);
    this.qvel[16] = 0;
    this.forward();
    this.objInitPos = this.bodyPos('object');
  }
}
