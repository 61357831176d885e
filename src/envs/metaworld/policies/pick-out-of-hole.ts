/** Scripted expert for pick-out-of-hole-v2 (upstream SawyerPickOutOfHoleV2Policy). */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('pick-out-of-hole-v2', (obs) => {
  const hand = handPos(obs);
  const puck = add(objPos(obs), [0, 0, 0.02]);
  const goal = goalPos(obs);
  let target: ArrayLike<number>;
  if (distXY(hand, puck) > 0.02) target = add(puck, [0, 0, 0.15]);
  else if (Math.abs(hand[2] - puck[2]) > 0.01) target = puck;
  else if (Math.abs(hand[2] - goal[2]) > 0.04) target = [hand[0], hand[1], goal[2]];
  else target = goal;
  const grab = distXY(hand, puck) > 0.02 || Math.abs(hand[2] - puck[2]) > 0.15 ? 0 : 0.1;
  return [...move(hand, target, 25), grab];
});
