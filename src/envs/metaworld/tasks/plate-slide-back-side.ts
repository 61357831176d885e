/** plate-slide-back-side-v2: slide a puck sideways out of a cabinet to a goal. */
import { SawyerPlateSlideEnv } from '../families/plate-slide.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'plate-slide-back-side-v2',
  scene: 'sawyer_plate_slide_sideway.xml',
  Env: SawyerPlateSlideEnv,
  variant: {
    puckLow: [-0.25, 0.6, 0],
    puckHigh: [-0.25, 0.6, 0],
    goalLow: [-0.05, 0.6, 0.015],
    goalHigh: [0.15, 0.6, 0.015],
    // the cabinet moves from the scene's x = -0.3 to the puck's start; the puck 15 cm into it
    cabinetAt: 'puck',
    puckSlide: [-0.15, 0],
    reward: 'hand-on-table',
    graspRewardFirst: false,
  },
});
