/** Scripted expert for door-lock-v2 (upstream SawyerDoorLockV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('door-lock-v2', (obs) => {
  const hand = handPos(obs);
  const lock = add(objPos(obs), [-0.02, -0.02, 0]);
  let target: ArrayLike<number>;
  if (distXY(hand, lock) > 0.02) target = hand[2] < 0.25 ? add(hand, [0, -0.1, 0.1]) : add(lock, [0, 0, 0.3]);
  else if (Math.abs(hand[2] - lock[2]) > 0.02) target = lock;
  else target = add(lock, [-0.1, 0, -0.1]);
  return [...move(hand, target, 25), -1];
});
