import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('shelf-place-v2', (obs) => {
  const hand = handPos(obs);
  const block = add(objPos(obs), [-0.005, 0, 0.015]);
  const shelfX = goalPos(obs)[0];
  let target: ArrayLike<number>;
  if (distXY(hand, block) > 0.04) target = add(block, [0, 0, 0.3]);
  else if (Math.abs(hand[2] - block[2]) > 0.04) target = block;
  else if (Math.abs(hand[0] - shelfX) > 0.02) target = [shelfX, hand[1], 0.3];
  else if (hand[2] < 0.3) target = add(hand, [0, 0, 0.3]);
  else target = add(hand, [0, 0.05, 0]);
  const rawBlock = objPos(obs);
  const grab = distXY(hand, rawBlock) > 0.04 || Math.abs(hand[2] - rawBlock[2]) > 0.15 ? -1 : 0.7;
  return [...move(hand, target, 25), grab];
});
