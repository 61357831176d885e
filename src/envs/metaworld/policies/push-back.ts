/** Scripted expert for push-back-v2 (upstream SawyerPushBackV2Policy). */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('push-back-v2', (obs) => {
  const hand = handPos(obs);
  const puck = objPos(obs);
  let target: ArrayLike<number>;
  if (distXY(hand, puck) > 0.04) target = add(puck, [0, 0, 0.3]);
  else if (Math.abs(hand[2] - puck[2]) > 0.055) target = puck;
  else target = add(goalPos(obs), [0, 0, hand[2]]);
  const grab = distXY(hand, puck) > 0.04 || Math.abs(hand[2] - puck[2]) > 0.05 ? 0 : 0.9;
  return [...move(hand, target, 10), grab];
});
