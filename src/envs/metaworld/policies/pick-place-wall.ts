/** Scripted expert for pick-place-wall-v2 (upstream SawyerPickPlaceWallV2Policy). */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('pick-place-wall-v2', (obs) => {
  const hand = handPos(obs);
  const puck = add(objPos(obs), [-0.005, 0, 0]);
  const goal = goalPos(obs);
  const overWallXY = hand[0] >= -0.15 && hand[0] <= 0.35 && hand[1] >= 0.6 && hand[1] <= 0.8;
  let target: ArrayLike<number>;
  if (distXY(hand, puck) > 0.015) target = add(puck, [0, 0, 0.1]);
  else if (Math.abs(hand[2] - puck[2]) > 0.04 && puck[2] < 0.03) target = add(puck, [0, 0, 0.03]);
  // Over the wall: straight up first, then towards the goal above the wall's height.
  else if (overWallXY && hand[2] < 0.25) target = add(hand, [0, 0, 1]);
  else if (overWallXY && hand[2] < 0.35) target = [goal[0], goal[1], hand[2]];
  else if (Math.abs(hand[2] - goal[2]) > 0.01) target = [hand[0], hand[1], goal[2]];
  else target = goal;
  const grab = distXY(hand, objPos(obs)) > 0.015 || Math.abs(hand[2] - objPos(obs)[2]) > 0.1 ? 0 : 0.9;
  return [...move(hand, target, 10), grab];
});
