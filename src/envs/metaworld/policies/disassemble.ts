import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('disassemble-v2', (obs) => {
  const hand = handPos(obs);
  const wrench = add(objPos(obs), [-0.02, 0, 0.01]);
  let target: ArrayLike<number>;
  if (distXY(hand, wrench) > 0.02) target = add(wrench, [0, 0, 0.1]);
  else if (Math.abs(hand[2] - wrench[2]) > 0.03) target = wrench;
  else target = add(hand, [0, 0, 0.1]);
  const grab = distXY(hand, wrench) > 0.02 || Math.abs(hand[2] - wrench[2]) > 0.07 ? 0 : 0.8;
  return [...move(hand, target, 10), grab];
});
