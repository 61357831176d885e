/** Scripted expert for handle-press-side-v2 (upstream SawyerHandlePressSideV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('handle-press-side-v2', (obs) => {
  const hand = handPos(obs);
  const handle = objPos(obs);
  const target = distXY(hand, handle) > 0.02 ? add(handle, [0, 0, 0.2]) : add(handle, [0, 0, -0.5]);
  return [...move(hand, target, 25), 1];
});
