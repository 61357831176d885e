import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('basketball-v2', (obs) => {
  const hand = handPos(obs);
  const ball = add(objPos(obs), [0, 0, 0.01]);
  // x from the hoop; y varies between 0.85 and 0.9, so the average; z fixed
  const hoop = [goalPos(obs)[0], 0.875, 0.35];
  let target: ArrayLike<number>;
  if (distXY(hand, ball) > 0.04) target = add(ball, [0, 0, 0.3]);
  else if (Math.abs(hand[2] - ball[2]) > 0.025) target = ball;
  else if (Math.abs(ball[2] - hoop[2]) > 0.025) target = [hand[0], hand[1], hoop[2]];
  else target = hoop;
  const rawBall = objPos(obs);
  const grab = distXY(hand, rawBall) > 0.04 || Math.abs(hand[2] - rawBall[2]) > 0.15 ? -1 : 0.6;
  return [...move(hand, target, 25), grab];
});
