/** Scripted expert for dial-turn-v2 (upstream SawyerDialTurnV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('dial-turn-v2', (obs) => {
  const hand = handPos(obs);
  const dial = add(objPos(obs), [0.05, 0.02, 0.09]);
  let target: ArrayLike<number>;
  if (distXY(hand, dial) > 0.02) target = [dial[0], dial[1], 0.2];
  else if (Math.abs(hand[2] - dial[2]) > 0.02) target = dial;
  else target = add(dial, [-0.05, 0.005, 0]);
  return [...move(hand, target, 10), 1];
});
