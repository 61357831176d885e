/** faucet-close-v2: turn the faucet handle to the left (-x). */
import { SawyerFaucetEnv } from '../families/faucet.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'faucet-close-v2',
  scene: 'sawyer_faucet.xml',
  Env: SawyerFaucetEnv,
  variant: {
    faucetLow: [-0.1, 0.8, 0],
    faucetHigh: [0.1, 0.85, 0],
    turn: -1,
    handleSite: 'handleStartClose',
    goalSite: 'goal_close',
  },
});
