/** Scripted expert for pick-place-v2 (upstream SawyerPickPlaceV2Policy). */
import { add, defineScriptedPolicy, dist3, distXY, goalPos, gripperOpening, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('pick-place-v2', (obs) => {
  const hand = handPos(obs);
  const puck = add(objPos(obs), [-0.005, 0, 0]);
  let target: ArrayLike<number>;
  if (distXY(hand, puck) > 0.02) target = add(puck, [0, 0, 0.1]);
  else if (Math.abs(hand[2] - puck[2]) > 0.05 && puck[2] < 0.04) target = add(puck, [0, 0, 0.03]);
  else if (gripperOpening(obs) > 0.73) target = hand;
  else target = goalPos(obs);
  const grab = dist3(hand, objPos(obs)) < 0.07 ? 1 : 0;
  return [...move(hand, target, 10), grab];
});
