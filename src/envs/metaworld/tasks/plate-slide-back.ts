/** plate-slide-back-v2: slide a puck out of a cabinet, back towards the robot, to a goal. */
import { SawyerPlateSlideEnv } from '../families/plate-slide.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'plate-slide-back-v2',
  scene: 'sawyer_plate_slide.xml',
  Env: SawyerPlateSlideEnv,
  variant: {
    puckLow: [0, 0.85, 0],
    puckHigh: [0, 0.85, 0],
    goalLow: [-0.1, 0.6, 0.015],
    goalHigh: [0.1, 0.6, 0.015],
    // the cabinet at the scene's own position; the puck 15 cm into it
    cabinetAt: 'puck',
    puckSlide: [0, 0.15],
    reward: 'hand-on-table',
    graspRewardFirst: false,
  },
});
