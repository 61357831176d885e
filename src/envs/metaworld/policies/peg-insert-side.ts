import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('peg-insert-side-v2', (obs) => {
  const hand = handPos(obs);
  const peg = objPos(obs);
  // The hole: lowest x is -0.35 (overshooting does no harm), y from the goal, z fixed.
  const hole = [-0.35, goalPos(obs)[1], 0.16];
  let target: ArrayLike<number>;
  if (distXY(hand, peg) > 0.04) target = add(peg, [0, 0, 0.3]);
  else if (Math.abs(hand[2] - peg[2]) > 0.025) target = peg;
  else if (Math.hypot(peg[1] - hole[1], peg[2] - hole[2]) > 0.03) target = add(hole, [0.4, 0, 0]);
  else target = hole;
  const grab = distXY(hand, peg) > 0.04 || Math.abs(hand[2] - peg[2]) > 0.15 ? -1 : 0.6;
  return [...move(hand, target, 25), grab];
});
