/** faucet-open-v2: turn the faucet handle to the right (+x). */
import { SawyerFaucetEnv } from '../families/faucet.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'faucet-open-v2',
  scene: 'sawyer_faucet.xml',
  Env: SawyerFaucetEnv,
  variant: {
    faucetLow: [-0.05, 0.8, 0],
    faucetHigh: [0.05, 0.85, 0],
    turn: 1,
    handleSite: 'handleStartOpen',
    goalSite: 'goal_open',
    grabOffset: [-0.04, 0, 0.03],
  },
});
