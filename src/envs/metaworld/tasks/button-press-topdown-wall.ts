/**
 * button-press-topdown-wall-v2: button-press-topdown with a low wall in front of the button. Bounds,
 * reset and the v2 reward are those of button-press-topdown; only the scene differs.
 */
import { defineTask } from '../task.ts';
import { SawyerButtonPressTopdownV2 } from './button-press-topdown.ts';

export class SawyerButtonPressTopdownWallV2 extends SawyerButtonPressTopdownV2 {}

export default defineTask({
  name: 'button-press-topdown-wall-v2',
  scene: 'sawyer_button_press_topdown_wall.xml',
  Env: SawyerButtonPressTopdownWallV2,
});
