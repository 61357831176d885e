/** Scripted expert for hand-insert-v2 (upstream SawyerHandInsertV2Policy). */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('hand-insert-v2', (obs) => {
  const hand = handPos(obs);
  const obj = objPos(obs);
  const goal = goalPos(obs);
  let target: ArrayLike<number>;
  if (distXY(hand, obj) > 0.02) target = add(obj, [0, 0, 0.1]);
  else if (Math.abs(hand[2] - obj[2]) > 0.05) target = add(obj, [0, 0, 0.03]);
  else if (distXY(hand, goal) > 0.04) target = [goal[0], goal[1], hand[2]];
  else target = goal;
  const grab = distXY(hand, obj) > 0.02 || Math.abs(hand[2] - obj[2]) > 0.1 ? 0 : 0.65;
  return [...move(hand, target, 10), grab];
});
