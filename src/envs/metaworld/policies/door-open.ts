/** Scripted expert for door-open-v2 (upstream SawyerDoorOpenV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('door-open-v2', (obs) => {
  const hand = handPos(obs);
  const door = add(objPos(obs), [-0.05, 0, 0]);
  let target: ArrayLike<number>;
  // above the handle, then down in front of it, then push towards its centre
  if (distXY(hand, door) > 0.12) target = add(door, [0.06, 0.02, 0.2]);
  else if (Math.abs(hand[2] - door[2]) > 0.04) target = add(door, [0.06, 0.02, 0]);
  else target = door;
  return [...move(hand, target, 25), 1];
});
