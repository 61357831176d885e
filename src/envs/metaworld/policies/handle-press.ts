/** Scripted expert for handle-press-v2 (upstream SawyerHandlePressV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('handle-press-v2', (obs) => {
  const hand = handPos(obs);
  const handle = add(objPos(obs), [0, -0.02, 0]);
  const target = distXY(hand, handle) > 0.02 ? add(handle, [0, 0, 0.2]) : add(handle, [0, 0, -0.5]);
  return [...move(hand, target, 25), -1];
});
