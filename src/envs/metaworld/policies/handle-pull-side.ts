/** Scripted expert for handle-pull-side-v2 (upstream SawyerHandlePullSideV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('handle-pull-side-v2', (obs) => {
  const hand = handPos(obs);
  const handle = objPos(obs);
  let target: ArrayLike<number>;
  if (distXY(hand, handle) > 0.04) target = add(handle, [0, 0, 0.1]);
  else if (Math.abs(hand[2] - handle[2]) > 0.03) target = handle;
  else target = add(handle, [0, 0, 1]);
  const grab = distXY(hand, handle) > 0.04 || Math.abs(hand[2] - handle[2]) > 0.04 ? 0 : 0.6;
  return [...move(hand, target, 25), grab];
});
