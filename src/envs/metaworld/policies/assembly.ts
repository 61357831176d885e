import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('assembly-v2', (obs) => {
  const hand = handPos(obs);
  const wrench = add(objPos(obs), [-0.02, 0, 0]);
  const peg = add(goalPos(obs), [0.12, 0, 0.14]);
  let target: ArrayLike<number>;
  if (distXY(hand, wrench) > 0.02) target = add(wrench, [0, 0, 0.1]);
  else if (distXY(hand, peg) <= 0.02) target = add(peg, [0, 0, -0.2]);
  else if (Math.abs(hand[2] - wrench[2]) > 0.05) target = add(wrench, [0, 0, 0.03]);
  else if (Math.abs(hand[2] - peg[2]) > 0.04) target = [hand[0], hand[1], peg[2]];
  else target = peg;
  const grab = distXY(hand, wrench) > 0.02 || Math.abs(hand[2] - wrench[2]) > 0.12 ? 0 : 0.6;
  return [...move(hand, target, 10), grab];
});
