import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

/** Where the hammer head must strike: in front of the nail. */
const STRIKE = [0.24 - 0.19, 0.71, 0.11 + 0.05] as const;

export default defineScriptedPolicy('hammer-v2', (obs) => {
  const hand = handPos(obs);
  const handle = add(objPos(obs), [-0.04, 0, -0.01]);
  let target: ArrayLike<number>;
  if (distXY(hand, handle) > 0.04) target = add(handle, [0, 0, 0.1]);
  else if (Math.abs(hand[2] - handle[2]) > 0.05 && handle[2] < 0.03) target = add(handle, [0, 0, 0.03]);
  else if (Math.hypot(hand[0] - STRIKE[0], hand[2] - STRIKE[2]) > 0.02) target = [STRIKE[0], hand[1], STRIKE[2]];
  else target = STRIKE;
  const grab = distXY(hand, handle) > 0.04 || Math.abs(hand[2] - handle[2]) > 0.1 ? 0 : 0.8;
  return [...move(hand, target, 10), grab];
});
