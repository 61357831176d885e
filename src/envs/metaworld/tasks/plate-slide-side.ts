/** plate-slide-side-v2: slide a puck sideways (to the left) along the table into a goal region. */
import { SawyerPlateSlideEnv } from '../families/plate-slide.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'plate-slide-side-v2',
  scene: 'sawyer_plate_slide_sideway.xml',
  Env: SawyerPlateSlideEnv,
  variant: {
    puckLow: [0, 0.6, 0],
    puckHigh: [0, 0.6, 0],
    goalLow: [-0.3, 0.54, 0],
    goalHigh: [-0.25, 0.66, 0],
    cabinetAt: 'goal',
    puckSlide: [0, 0],
    reward: 'hand-on-table',
    graspRewardFirst: true,
  },
});
