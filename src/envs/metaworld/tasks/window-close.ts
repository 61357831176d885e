/** window-close-v2: slide an open window shut to the left by its handle. */
import { SawyerWindowEnv } from '../families/window.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'window-close-v2',
  scene: 'sawyer_window_horizontal.xml',
  Env: SawyerWindowEnv,
  variant: {
    windowLow: [0, 0.75, 0.2],
    windowHigh: [0, 0.9, 0.2],
    handleSite: 'handleCloseStart',
    // the window starts open by 0.2 and closes onto the goal at its own position
    slideStart: 0.2,
    goalShift: 0,
    marginFrom: 'handle',
    reachSigmoid: 'gaussian',
  },
});
