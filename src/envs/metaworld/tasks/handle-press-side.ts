/** handle-press-side-v2: press down a handle that sticks out sideways from a box on the left. */
import { SawyerHandlePressEnv } from '../families/handle.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'handle-press-side-v2',
  scene: 'sawyer_handle_press_sideways.xml',
  Env: SawyerHandlePressEnv,
  variant: { boxLow: [-0.35, 0.65, -0.001], boxHigh: [-0.25, 0.75, 0.001] },
});
