import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('peg-unplug-side-v2', (obs) => {
  const hand = handPos(obs);
  const peg = add(objPos(obs), [-0.02, 0, 0.035]);
  let target: ArrayLike<number>;
  if (distXY(hand, peg) > 0.04) target = add(peg, [0, 0, 0.2]);
  else if (Math.abs(hand[2] - 0.15) > 0.02) target = [peg[0], peg[1], 0.15];
  else target = add(hand, [0.01, 0, 0]);
  const grab = distXY(hand, peg) > 0.04 || Math.abs(hand[2] - peg[2]) > 0.15 ? -1 : 0.1;
  return [...move(hand, target, 25), grab];
});
