/** reach-v2: move the gripper centre to a goal in the air. */
import { SawyerReachEnv } from '../families/puck.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'reach-v2',
  scene: 'sawyer_reach_v3.xml',
  Env: SawyerReachEnv,
  variant: {
    puckLow: [-0.1, 0.6, 0.02],
    puckHigh: [0.1, 0.7, 0.02],
    goalLow: [-0.1, 0.8, 0.05],
    goalHigh: [0.1, 0.9, 0.3],
    trackedBy: 'body',
    infoReportsDistance: true,
  },
});
