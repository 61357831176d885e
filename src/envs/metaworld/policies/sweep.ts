/** Scripted expert for sweep-v2 (upstream SawyerSweepV2Policy). */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('sweep-v2', (obs) => {
  const hand = handPos(obs);
  const cube = add(objPos(obs), [0, 0, 0.015]);
  let target: ArrayLike<number> = add(goalPos(obs), [0, 0, 0.1]);
  if (hand[0] < 0.2) {
    if (distXY(hand, cube) > 0.04) target = add(cube, [0, 0, 0.3]);
    else if (Math.abs(hand[2] - cube[2]) > 0.04) target = cube;
  }
  const obj = objPos(obs);
  let grab: number;
  if (distXY(hand, obj) > 0.04 || Math.abs(hand[2] - obj[2]) > 0.15) grab = -1;
  else grab = obj[0] < 0.4 ? 0.7 : -1;
  return [...move(hand, target, 25), grab];
});
