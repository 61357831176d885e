/** Scripted expert for plate-slide-back-side-v2 (upstream SawyerPlateSlideBackSideV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('plate-slide-back-side-v2', (obs) => {
  const hand = handPos(obs);
  const puck = add(objPos(obs), [0.023, 0, 0.025]);
  let target: ArrayLike<number>;
  if (distXY(hand, puck) > 0.01) target = add(puck, [0, 0, 0.07]);
  else if (Math.abs(hand[2] - puck[2]) > 0.04) target = puck;
  else target = [hand[0] + 0.1, 0.6, hand[2]];
  return [...move(hand, target, 10), 1];
});
