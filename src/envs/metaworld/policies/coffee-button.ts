/** Scripted expert for coffee-button-v2 (upstream SawyerCoffeeButtonV2Policy). */
import { add, defineScriptedPolicy, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('coffee-button-v2', (obs) => {
  const hand = handPos(obs);
  const button = add(objPos(obs), [0, 0, -0.07]);
  const target =
    Math.hypot(hand[0] - button[0], hand[2] - button[2]) > 0.02 ? [button[0], hand[1], button[2]] : add(button, [0, 0.2, 0]);
  return [...move(hand, target, 10), -1];
});
