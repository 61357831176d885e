/** door-open and door-close: a door on a hinge (`doorjoint`), moved by its handle; each task file gives its reward. */
import { SawyerXYZEnv, type SawyerContext, type XYZ } from '../task.ts';

export interface DoorVariant {
  handInitPos: XYZ;
  goalLow: XYZ;
  goalHigh: XYZ;
  /** The goal's x and y relative to the door's position. */
  goalOffset: readonly [number, number];
  /** The hinge angle at reset (upstream `_set_obj_xyz`). */
  hingeAtReset: number;
}

export abstract class SawyerDoorEnv extends SawyerXYZEnv {
  private readonly variant: DoorVariant;

  constructor(ctx: SawyerContext, variant: DoorVariant) {
    super(ctx, {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: variant.handInitPos,
      randomResetLow: [0, 0.85, 0.15],
      randomResetHigh: [0.1, 0.95, 0.15],
      goalLow: variant.goalLow,
      goalHigh: variant.goalHigh,
    });
    this.variant = variant;
  }

  protected objectPositions(): Float64Array {
    return this.geomPos('handle');
  }

  protected objectQuaternions(): Float64Array {
    return this.geomQuatXYZW('handle');
  }

  protected resetModel(): void {
    const [dx, dy] = this.variant.goalOffset;
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.targetPos = Float64Array.of(this.objInitPos[0] + dx, this.objInitPos[1] + dy, this.objInitPos[2]);
    this.setBodyPos('door', this.objInitPos);
    this.setSitePos('goal', this.targetPos);
    // the door at its start angle and at rest, then mj_forward
    this.qpos[this.jointQposAdr('doorjoint')] = this.variant.hingeAtReset;
    this.qvel[this.jointDofAdr('doorjoint')] = 0;
    this.forward();
  }
}
