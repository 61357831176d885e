/** button-press-wall-v2: push a button in (along +y), reaching past a wall in front of it. */
import { hamacherProduct } from '../rewards.ts';
import { SawyerButtonBoxEnv } from '../families/button.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'button-press-wall-v2',
  scene: 'sawyer_button_press_wall.xml',
  Env: SawyerButtonBoxEnv,
  variant: {
    boxLow: [-0.05, 0.85, 0.1149],
    boxHigh: [0.05, 0.9, 0.1151],
    restButtonAtReset: true,
    axis: 1,
    nearRadius: 0.01,
    successDistance: 0.03,
    reward: ({ obs, tcpToObj, nearButton, buttonPressed }) => {
      if (tcpToObj > 0.07) {
        const tcpStatus = (1 - obs[3]) / 2;
        return 2 * hamacherProduct(tcpStatus, nearButton);
      }
      return 2 + 2 * (1 + obs[3]) + 4 * buttonPressed ** 2;
    },
  },
});
