/** door-lock and door-unlock: a safe door whose lock (`lock_link`) turns down (lock) or sideways (unlock). */
import { SawyerXYZEnv, type SawyerContext, type XYZ } from '../task.ts';

/** The lock's travel: margin of the pressed/pushed reward. */
export const LOCK_LENGTH = 0.1;
/** Hand-to-lock distances weigh x by a quarter and z by a half. */
export const LOCK_DISTANCE_SCALE = [0.25, 1, 0.5];

export interface DoorLockVariant {
  /** The lock's observed site (`lockStartLock` / `lockStartUnlock`). */
  lockSite: string;
  goalLow?: XYZ;
  goalHigh?: XYZ;
  /**
   * After the door is placed: upstream lets it settle for one frame (5 physics steps, controls
   * unchanged; lock), or sets the lock's hinge (qpos[9]) to this angle at rest, then mj_forward (unlock).
   */
  lockAtReset: 'settle' | number;
  /** The goal relative to the lock's start. */
  goalOffset: XYZ;
}

/** Scene, observation and reset; each task file gives its reward. */
export abstract class SawyerDoorLockEnv extends SawyerXYZEnv {
  private readonly variant: DoorLockVariant;

  constructor(ctx: SawyerContext, variant: DoorLockVariant) {
    super(ctx, {
      handLow: [-0.5, 0.4, -0.15],
      handHigh: [0.5, 1, 0.5],
      // upstream stores hand_init_pos as float32
      handInitPos: [0, Math.fround(0.6), Math.fround(0.2)],
      randomResetLow: [-0.1, 0.8, 0.15],
      randomResetHigh: [0.1, 0.85, 0.15],
      goalLow: variant.goalLow,
      goalHigh: variant.goalHigh,
    });
    this.variant = variant;
  }

  protected objectPositions(): Float64Array {
    return this.sitePos(this.variant.lockSite);
  }

  protected objectQuaternions(): Float64Array {
    return this.bodyQuat('door_link');
  }

  protected resetModel(): void {
    const { lockAtReset, goalOffset } = this.variant;
    this.resetHand();
    this.setBodyPos('door', this.randomResetVector());
    if (lockAtReset === 'settle') {
      for (let i = 0; i < 5; i++) this.mj.mj_step(this.model, this.data);
    } else {
      this.qpos[9] = lockAtReset;
      this.qvel[9] = 0;
      this.forward();
    }
    this.objInitPos = this.bodyPos('lock_link');
    const p = this.objInitPos;
    this.targetPos = Float64Array.of(p[0] + goalOffset[0], p[1] + goalOffset[1], p[2] + goalOffset[2]);
  }
}
