/** Scripted expert for button-press-topdown-wall-v2 (upstream SawyerButtonPressTopdownWallV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('button-press-topdown-wall-v2', (obs) => {
  const hand = handPos(obs);
  const button = add(objPos(obs), [0, -0.06, 0]);
  const target = distXY(hand, button) > 0.04 ? add(button, [0, 0, 0.1]) : button;
  return [...move(hand, target, 25), -1];
});
