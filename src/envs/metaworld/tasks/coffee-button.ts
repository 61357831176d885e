/** coffee-button-v2: press the coffee machine's button (along +y). */
import { closedGripperPressReward, SawyerButtonEnv } from '../families/button.ts';
import { defineTask, type SawyerContext } from '../task.ts';

/** How far the button travels when pressed. */
const MAX_DIST = 0.03;

export class SawyerCoffeeButtonV2 extends SawyerButtonEnv {
  constructor(ctx: SawyerContext) {
    const objLow = [-0.1, 0.8, -0.001];
    const objHigh = [0.1, 0.9, 0.001];
    const config = {
      handLow: [-0.5, 0.4, 0.05],
      handHigh: [0.5, 1, 0.5],
      handInitPos: [0, 0.4, 0.2],
      randomResetLow: objLow,
      randomResetHigh: objHigh,
      goalLow: [objLow[0] + -0.001, objLow[1] + (-0.22 + MAX_DIST), objLow[2] + 0.299],
      goalHigh: [objHigh[0] + 0.001, objHigh[1] + (-0.22 + MAX_DIST), objHigh[2] + 0.301],
    } as const;
    super(ctx, config, { axis: 1, nearRadius: 0.05, successDistance: 0.02, reward: closedGripperPressReward });
    this.pressTravel = MAX_DIST;
  }

  protected objectPositions(): Float64Array {
    return this.sitePos('buttonStart');
  }

  protected objectQuaternions(): Float64Array {
    return Float64Array.of(1, 0, 0, 0);
  }

  protected resetModel(): void {
    this.resetHand();
    this.objInitPos = this.randomResetVector();
    this.setBodyPos('coffee_machine', this.objInitPos);
    // upstream _set_obj_xyz for this scene: the mug's free joint is qpos[0:3]; qvel[9:15] is zeroed as upstream does
    const pos = this.objInitPos;
    this.qpos.set([pos[0], pos[1] - 0.22, pos[2]], 0);
    this.qvel.fill(0, 9, 15);
    this.forward();
    this.targetPos = Float64Array.of(pos[0], pos[1] - 0.22 + MAX_DIST, pos[2] + 0.3);
  }
}

export default defineTask({ name: 'coffee-button-v2', scene: 'sawyer_coffee.xml', Env: SawyerCoffeeButtonV2 });
