/** handle-pull-side-v2: pull up a pressed-down handle that sticks out sideways from a box on the left. */
import { SawyerHandlePullEnv } from '../families/handle.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'handle-pull-side-v2',
  scene: 'sawyer_handle_press_sideways.xml',
  Env: SawyerHandlePullEnv,
  variant: {
    boxLow: [-0.35, 0.65, 0],
    boxHigh: [-0.25, 0.75, 0],
    handleSite: 'handleCenter',
    objInitAt: 'handle',
    targetDistance: '3d',
    objRadius: 0.032,
    padSuccessThresh: 0.06,
    successRadius: 0.08,
  },
});
