/** Scripted expert for drawer-open-v2 (upstream SawyerDrawerOpenV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('drawer-open-v2', (obs) => {
  const hand = handPos(obs);
  const drawer = add(objPos(obs), [0, 0, -0.02]);
  let delta: [number, number, number];
  if (distXY(hand, drawer) > 0.06) delta = move(hand, add(drawer, [0, 0, 0.3]), 4);
  else if (Math.abs(hand[2] - drawer[2]) > 0.04) delta = move(hand, drawer, 4);
  else delta = move(hand, add(drawer, [0, -0.06, 0]), 50);
  return [...delta, -1];
});
