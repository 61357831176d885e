/** Scripted expert for lever-pull-v2 (upstream SawyerLeverPullV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('lever-pull-v2', (obs) => {
  const hand = handPos(obs);
  const lever = add(objPos(obs), [0, -0.055, 0]);
  let target: ArrayLike<number>;
  // under the lever's tip, up to its height, then lift it up and away
  if (distXY(hand, lever) > 0.02) target = add(lever, [0, 0, -0.1]);
  else if (Math.abs(hand[2] - lever[2]) > 0.02) target = lever;
  else target = add(lever, [0, 0.08, 0.02]);
  return [...move(hand, target, 25), 1];
});
