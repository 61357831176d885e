/** Scripted expert for door-close-v2 (upstream SawyerDoorCloseV2Policy). */
import { add, defineScriptedPolicy, goalPos, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('door-close-v2', (obs) => {
  const hand = handPos(obs);
  const door = add(objPos(obs), [0.05, 0.12, 0.1]);
  let target: ArrayLike<number>;
  if (hand[0] > door[0]) {
    // right of the handle: rise well above it, then move over it
    target = hand[2] < door[2] + 0.2 ? [hand[0], hand[1], door[2] + 0.25] : [door[0] - 0.02, door[1], hand[2]];
  } else if (Math.abs(hand[2] - door[2]) > 0.04) {
    target = add(door, [-0.02, 0, 0]);
  } else {
    target = goalPos(obs);
  }
  return [...move(hand, target, 25), 1];
});
