/** Scripted expert for plate-slide-back-v2 (upstream SawyerPlateSlideBackV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('plate-slide-back-v2', (obs) => {
  const hand = handPos(obs);
  const puck = add(objPos(obs), [0, -0.065, 0.025]);
  let target: ArrayLike<number>;
  if (distXY(hand, puck) > 0.01) target = add(puck, [0, 0, 0.1]);
  else if (Math.abs(hand[2] - puck[2]) > 0.04) target = puck;
  else if (hand[1] > 0.7) target = add(hand, [0, -0.1, 0]);
  else if (hand[1] > 0.6) target = [0.15, 0.55, hand[2]];
  else target = [hand[0] - 0.1, 0.55, hand[2]];
  return [...move(hand, target, 10), -1];
});
