/** button-press-v2: push a wall-mounted button straight in (along +y). */
import { closedGripperPressReward, SawyerButtonBoxEnv } from '../families/button.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'button-press-v2',
  scene: 'sawyer_button_press.xml',
  Env: SawyerButtonBoxEnv,
  variant: {
    boxLow: [-0.1, 0.85, 0.115],
    boxHigh: [0.1, 0.9, 0.115],
    restButtonAtReset: true,
    axis: 1,
    nearRadius: 0.05,
    successDistance: 0.02,
    reward: closedGripperPressReward,
  },
});
