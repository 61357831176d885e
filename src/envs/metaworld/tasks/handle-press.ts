/** handle-press-v2: press a handle down from above. */
import { SawyerHandlePressEnv } from '../families/handle.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'handle-press-v2',
  scene: 'sawyer_handle_press.xml',
  Env: SawyerHandlePressEnv,
  variant: { boxLow: [-0.1, 0.8, -0.001], boxHigh: [0.1, 0.9, 0.001], goalLow: [-0.1, 0.55, 0.04], goalHigh: [0.1, 0.7, 0.08] },
});
