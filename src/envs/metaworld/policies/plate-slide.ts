/** Scripted expert for plate-slide-v2 (upstream SawyerPlateSlideV2Policy). */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('plate-slide-v2', (obs) => {
  const hand = handPos(obs);
  const puck = add(objPos(obs), [0, -0.055, 0.03]);
  let target: ArrayLike<number>;
  // behind the puck, down to its height, then push it forward to the goal's x
  if (distXY(hand, puck) > 0.03) target = add(puck, [0, 0, 0.1]);
  else if (Math.abs(hand[2] - puck[2]) > 0.04) target = puck;
  else target = [goalPos(obs)[0], 0.9, puck[2]];
  return [...move(hand, target, 10), -1];
});
