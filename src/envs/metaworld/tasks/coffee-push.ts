/** coffee-push-v2: push a mug across the table until it sits under the coffee machine's spout. */
import { SawyerCoffeeMugEnv } from '../families/coffee-mug.ts';
import { defineTask } from '../task.ts';

export default defineTask({
  name: 'coffee-push-v2',
  scene: 'sawyer_coffee.xml',
  Env: SawyerCoffeeMugEnv,
  variant: {
    mugLow: [-0.1, 0.55, -0.001],
    mugHigh: [0.1, 0.65, 0.001],
    goalLow: [-0.05, 0.7, -0.001],
    goalHigh: [0.05, 0.75, 0.001],
    underSpout: 'goal',
  },
});
