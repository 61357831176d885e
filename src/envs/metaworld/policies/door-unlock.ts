/** Scripted expert for door-unlock-v2 (upstream SawyerDoorUnlockV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('door-unlock-v2', (obs) => {
  const hand = handPos(obs);
  const lock = add(objPos(obs), [-0.04, -0.02, -0.03]);
  let target: ArrayLike<number>;
  if (distXY(hand, lock) > 0.02) target = hand[2] > 0.15 ? add(hand, [0, -0.1, -0.1]) : lock;
  else target = add(lock, [0.1, 0, 0.01]);
  return [...move(hand, target, 25), 1];
});
