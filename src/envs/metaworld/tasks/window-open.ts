/** window-open-v2: slide a window open to the right by its handle. */
import { SawyerWindowEnv } from '../families/window.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'window-open-v2',
  scene: 'sawyer_window_horizontal.xml',
  Env: SawyerWindowEnv,
  variant: {
    windowLow: [-0.1, 0.7, 0.16],
    windowHigh: [0.1, 0.9, 0.16],
    handleSite: 'handleOpenStart',
    slideStart: 0,
    goalShift: 0.2,
    marginFrom: 'window',
    reachSigmoid: 'long_tail',
  },
});
