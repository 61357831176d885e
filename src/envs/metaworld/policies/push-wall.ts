/** Scripted expert for push-wall-v2 (upstream SawyerPushWallV2Policy). */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('push-wall-v2', (obs) => {
  const hand = handPos(obs);
  const obj = add(objPos(obs), [-0.005, 0, 0]);
  let target: ArrayLike<number>;
  if (distXY(hand, obj) > 0.02) target = add(obj, [0, 0, 0.2]);
  else if (Math.abs(hand[2] - obj[2]) > 0.04) target = add(obj, [0, 0, 0.03]);
  // The wall lies between the puck and the goal: go around it (left first, then forward).
  else if (obj[0] >= -0.1 && obj[0] <= 0.3 && obj[1] >= 0.65 && obj[1] <= 0.75) target = add(hand, [-1, 0, 0]);
  else if (((obj[0] > -0.15 && obj[0] < 0.05) || (obj[0] > 0.15 && obj[0] < 0.35)) && obj[1] >= 0.695 && obj[1] <= 0.755) {
    target = add(hand, [0, 1, 0]);
  } else target = goalPos(obs);
  const grab = distXY(hand, objPos(obs)) > 0.02 || Math.abs(hand[2] - objPos(obs)[2]) > 0.1 ? 0 : 0.6;
  return [...move(hand, target, 10), grab];
});
