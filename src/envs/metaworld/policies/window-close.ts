/** Scripted expert for window-close-v2 (upstream SawyerWindowCloseV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('window-close-v2', (obs) => {
  const hand = handPos(obs);
  const window = add(objPos(obs), [0.03, -0.03, -0.08]);
  let target: ArrayLike<number>;
  if (distXY(hand, window) > 0.04) target = add(window, [0, 0, 0.25]);
  else if (Math.abs(hand[2] - window[2]) > 0.02) target = window;
  else target = add(window, [-0.1, 0, 0]);
  return [...move(hand, target, 25), 1];
});
