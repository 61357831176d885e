import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('box-close-v2', (obs) => {
  const hand = handPos(obs);
  const lid = add(objPos(obs), [0, 0, 0.02]);
  const box = [goalPos(obs)[0], goalPos(obs)[1], 0.15];
  let target: ArrayLike<number>;
  if (distXY(hand, lid) > 0.01) target = [lid[0], lid[1], 0.2];
  else if (Math.abs(hand[2] - lid[2]) > 0.05) target = lid;
  else if (Math.abs(hand[2] - box[2]) > 0.04) target = [hand[0], hand[1], box[2]];
  else target = box;
  const grab = distXY(hand, lid) > 0.01 || Math.abs(hand[2] - lid[2]) > 0.13 ? 0.5 : 1;
  return [...move(hand, target, 25), grab];
});
