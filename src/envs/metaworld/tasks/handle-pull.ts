/** handle-pull-v2: pull a pressed-down handle back up. */
import { SawyerHandlePullEnv } from '../families/handle.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'handle-pull-v2',
  scene: 'sawyer_handle_press.xml',
  Env: SawyerHandlePullEnv,
  variant: {
    boxLow: [-0.1, 0.8, -0.001],
    boxHigh: [0.1, 0.9, 0.001],
    goalLow: [-0.1, 0.55, 0.04],
    goalHigh: [0.1, 0.7, 0.18],
    handleSite: 'handleRight',
    objInitAt: 'box',
    targetDistance: 'height',
    objRadius: 0.022,
    padSuccessThresh: 0.05,
    successRadius: 0.05,
  },
});
