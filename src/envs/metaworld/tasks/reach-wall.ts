/** reach-wall-v2: reach a goal behind a wall with the gripper. */
import { SawyerReachEnv } from '../families/puck.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'reach-wall-v2',
  scene: 'sawyer_reach_wall_v3.xml',
  Env: SawyerReachEnv,
  variant: {
    puckLow: [-0.05, 0.6, 0.015],
    puckHigh: [0.05, 0.65, 0.015],
    goalLow: [-0.05, 0.85, 0.05],
    goalHigh: [0.05, 0.9, 0.3],
    trackedBy: 'body',
    infoReportsDistance: false,
  },
});
