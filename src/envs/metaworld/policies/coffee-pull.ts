/** Scripted expert for coffee-pull-v2 (upstream SawyerCoffeePullV2Policy). */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('coffee-pull-v2', (obs) => {
  const hand = handPos(obs);
  const mug = add(objPos(obs), [-0.005, 0, 0.05]);
  let target: ArrayLike<number>;
  if (distXY(hand, mug) > 0.06) target = add(mug, [0, 0, 0.15]);
  else if (Math.abs(hand[2] - mug[2]) > 0.02) target = mug;
  else target = goalPos(obs);
  // The grab decision uses a different offset.
  const grip = add(objPos(obs), [0.01, 0, 0.05]);
  const grab = distXY(hand, grip) > 0.06 || Math.abs(hand[2] - grip[2]) > 0.1 ? -1 : 0.7;
  return [...move(hand, target, 10), grab];
});
