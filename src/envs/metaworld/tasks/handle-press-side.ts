/** handle-press-side-v2: press down a handle that sticks out sideways from a box on the left. */
import { defineTask, SawyerXYZEnv, type Evaluation, type SawyerContext } from '../task.ts';
import { pressReward } from './handle-press.ts';

export class SawyerHandlePressSideV2 extends SawyerXYZEnv {
  private handleInitPos: Float64Array = new Float64Array(3);
  /** Where the scene file puts the box. */
  private readonly boxHome: Float64Array = this.modelView('body_pos').slice(3 * this.bodyId('box'), 3 * this.bodyId('box') + 3);

  constructor(ctx: SawyerContext) {
    const handLow = [-0.5, 0.4, 0.05] as const;
    const handHigh = [0.5, 1, 0.5] as const;
    super(ctx, {
      handLow,
      handHigh,
      handInitPos: [0, 0.6, 0.2],
      randomResetLow: [-0.35, 0.65, -0.001],
      randomResetHigh: [-0.25, 0.75, 0.001],
      goalLow: handLow,
      goalHigh: handHigh,
    });
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('handleStart');
  }

  protected objectQuaternions(): Float64Array {
    return new Float64Array(4);
  }

  protected resetModel(): void {
    // The raised handle reaches the hand's start pose: reset the hand with the box where the scene
    // puts it (upstream leaves it where the last episode put it), so a seeded reset reproduces.
    this.setBodyPos('box', this.boxHome);
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.setBodyPos('box', this.objInitPos);
    // upstream _set_obj_xyz(-0.001): the handle joint (qpos[9]) just below its top, at rest, then mj_forward
    this.qpos[9] = -0.001;
    this.qvel[9] = 0;
    this.forward();
    this.targetPos = this.sitePos('goalPress');
    this.handleInitPos = this.objectPositions();
  }

  evaluateState(): Evaluation {
    return pressReward(this.objectPositions(), this.tcpCenter(), this.targetPos, this.handleInitPos, this.initTcp);
  }
}

export default defineTask({ name: 'handle-press-side-v2', scene: 'sawyer_handle_press_sideways.xml', Env: SawyerHandlePressSideV2 });
