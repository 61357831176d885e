/** Scripted expert for button-press-wall-v2 (upstream SawyerButtonPressWallV2Policy). */
import { add, defineScriptedPolicy, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('button-press-wall-v2', (obs) => {
  const hand = handPos(obs);
  const button = add(objPos(obs), [0, 0, 0.04]);
  const offX = Math.abs(hand[0] - button[0]) > 0.02;
  const farY = button[1] - hand[1] > 0.09;
  const offZ = Math.abs(hand[2] - button[2]) > 0.02;
  // Over the wall at z = 0.3, then down in front of the button, then push.
  let target: ArrayLike<number>;
  if (offX) target = [button[0], hand[1], 0.3];
  else if (farY) target = [button[0], button[1], 0.3];
  else if (offZ) target = add(button, [0, -0.05, 0]);
  else target = add(button, [0, -0.02, 0]);
  const grab = offX || farY || offZ ? 1 : -1;
  return [...move(hand, target, 15), grab];
});
