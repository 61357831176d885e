/** Scripted expert for sweep-into-v2 (upstream SawyerSweepIntoV2Policy). */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('sweep-into-v2', (obs) => {
  const hand = handPos(obs);
  const cube = add(objPos(obs), [-0.005, 0, 0.01]);
  let target: ArrayLike<number>;
  if (distXY(hand, cube) > 0.04) target = add(cube, [0, 0, 0.3]);
  else if (Math.abs(hand[2] - cube[2]) > 0.04) target = cube;
  else target = goalPos(obs);
  const obj = objPos(obs);
  const grab = distXY(hand, obj) > 0.04 || Math.abs(hand[2] - obj[2]) > 0.15 ? -1 : 0.7;
  return [...move(hand, target, 25), grab];
});
