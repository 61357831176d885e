/** Scripted expert for soccer-v2 (upstream SawyerSoccerV2Policy). */
import { add, defineScriptedPolicy, dist3, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

const OFFSET = 0.03;

export default defineScriptedPolicy('soccer-v2', (obs) => {
  const hand = handPos(obs);
  const ball = add(objPos(obs), [0, 0, 0.03]);
  const goal = goalPos(obs);
  const desiredZ = distXY(hand, ball) < 0.02 ? 0.1 : 0.03;
  // Push from behind the ball, or from its side when it is off to the side of the goal.
  let push = add(ball, [0, -OFFSET, 0]);
  if (ball[0] - goal[0] < -0.05) push = add(ball, [-OFFSET, 0, 0]);
  else if (ball[0] - goal[0] > 0.05) push = add(ball, [OFFSET, 0, 0]);
  push[2] = desiredZ;
  const target = dist3(hand, push) > 0.01 ? push : ball;
  return [...move(hand, target, 25), 1];
});
