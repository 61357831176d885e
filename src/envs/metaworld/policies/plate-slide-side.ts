/** Scripted expert for plate-slide-side-v2 (upstream SawyerPlateSlideSideV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('plate-slide-side-v2', (obs) => {
  const hand = handPos(obs);
  const puck = add(objPos(obs), [0.07, 0, -0.005]);
  let target: ArrayLike<number>;
  // beside the puck (on its right), down to its height, then push it left
  if (distXY(hand, puck) > 0.04) target = add(puck, [0, 0, 0.1]);
  else if (Math.abs(hand[2] - puck[2]) > 0.04) target = puck;
  else if (hand[0] > -0.2) target = [hand[0] - 0.1, 0.6, hand[2]];
  else target = add(puck, [-0.1, 0, 0]);
  return [...move(hand, target, 25), 1];
});
