import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('stick-pull-v2', (obs) => {
  const hand = handPos(obs);
  const stick = add(objPos(obs), [-0.015, 0, 0.03]);
  const thermos = add(obs.subarray(11, 14), [-0.015, 0, 0.03]);
  const goal = add(goalPos(obs), [-0.05, 0, 0]);
  let target: ArrayLike<number>;
  if (Math.abs(stick[0] - thermos[0]) > 0.04) {
    if (distXY(hand, stick) > 0.02) target = add(stick, [0, 0, 0.1]);
    else if (Math.abs(hand[2] - stick[2]) > 0.02) target = stick;
    else if (Math.abs(stick[1] - thermos[1]) > 0.02) target = [stick[0], thermos[1], stick[2]];
    else if (Math.abs(stick[2] - thermos[2]) > 0.02) target = [stick[0], thermos[1], thermos[2]];
    else target = thermos;
  } else {
    target = goal;
  }
  const grab = distXY(hand, stick) > 0.02 || Math.abs(hand[2] - stick[2]) > 0.1 ? -1 : 0.7;
  return [...move(hand, target, 25), grab];
});
