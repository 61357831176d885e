/** Scripted expert for push-v2 (upstream SawyerPushV2Policy). */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('push-v2', (obs) => {
  const hand = handPos(obs);
  const puck = add(objPos(obs), [-0.005, 0, 0]);
  let target: ArrayLike<number>;
  if (distXY(hand, puck) > 0.02) target = add(puck, [0, 0, 0.2]);
  else if (Math.abs(hand[2] - puck[2]) > 0.04) target = add(puck, [0, 0, 0.03]);
  else target = goalPos(obs);
  // The grab decision uses the puck without the x offset.
  const rawPuck = objPos(obs);
  const grab = distXY(hand, rawPuck) > 0.02 || Math.abs(hand[2] - rawPuck[2]) > 0.1 ? 0 : 0.6;
  return [...move(hand, target, 10), grab];
});
