/** button-press-topdown-v2: press a button that faces up, from above. */
import { hamacherProduct } from '../rewards.ts';
import { SawyerButtonBoxEnv, type ButtonBoxVariant } from '../families/button.ts';
import { defineTask } from '../task.ts';

/** Also button-press-topdown-wall's. */
export const topdownButton: ButtonBoxVariant = {
  boxLow: [-0.1, 0.8, 0.115],
  boxHigh: [0.1, 0.9, 0.115],
  restButtonAtReset: false,
  axis: 2,
  nearRadius: 0.01,
  successDistance: 0.024,
  reward: ({ obs, tcpToObj, nearButton, buttonPressed }) => {
    const tcpClosed = 1 - obs[3];
    let reward = 5 * hamacherProduct(tcpClosed, nearButton);
    if (tcpToObj <= 0.03) reward += 5 * buttonPressed;
    return reward;
  },
};

export default defineTask({
  name: 'button-press-topdown-v2',
  scene: 'sawyer_button_press_topdown.xml',
  Env: SawyerButtonBoxEnv,
  variant: topdownButton,
});
