/** plate-slide-v2: slide a puck forward along the table into a goal region. */
import { SawyerPlateSlideEnv } from '../families/plate-slide.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'plate-slide-v2',
  scene: 'sawyer_plate_slide.xml',
  Env: SawyerPlateSlideEnv,
  variant: {
    puckLow: [0, 0.6, 0],
    puckHigh: [0, 0.6, 0],
    goalLow: [-0.1, 0.85, 0],
    goalHigh: [0.1, 0.9, 0],
    cabinetAt: 'goal',
    puckSlide: [0, 0],
    reward: 'reach-and-place',
    graspRewardFirst: true,
  },
});
