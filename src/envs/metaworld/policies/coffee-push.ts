/** Scripted expert for coffee-push-v2 (upstream SawyerCoffeePushV2Policy). */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('coffee-push-v2', (obs) => {
  const hand = handPos(obs);
  const mug = add(objPos(obs), [0.01, 0, 0.05]);
  const goal = goalPos(obs);
  let target: ArrayLike<number>;
  if (distXY(hand, mug) > 0.06) target = add(mug, [0, 0, 0.2]);
  else if (Math.abs(hand[2] - mug[2]) > 0.02) target = mug;
  else target = [goal[0], goal[1], 0.1];
  const grab = distXY(hand, mug) > 0.06 || Math.abs(hand[2] - mug[2]) > 0.1 ? -1 : 0.5;
  return [...move(hand, target, 10), grab];
});
