/** Scripted expert for handle-pull-v2 (upstream SawyerHandlePullV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('handle-pull-v2', (obs) => {
  const hand = handPos(obs);
  const handle = add(objPos(obs), [0, -0.04, 0]);
  let target: ArrayLike<number>;
  if (distXY(hand, handle) > 0.02) target = handle;
  // upstream returns the bare height here, which numpy broadcasts to all three axes
  else if (Math.abs(hand[2] - handle[2]) > 0.02) target = [handle[2], handle[2], handle[2]];
  else target = add(handle, [0, 0, 0.1]);
  return [...move(hand, target, 25), 1];
});
