/** Scripted expert for faucet-close-v2 (upstream SawyerFaucetCloseV2Policy). */
import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('faucet-close-v2', (obs) => {
  const hand = handPos(obs);
  const faucet = add(objPos(obs), [0.04, 0, 0.03]);
  let target: ArrayLike<number>;
  if (distXY(hand, faucet) > 0.04) target = add(faucet, [0, 0, 0.1]);
  else if (Math.abs(hand[2] - faucet[2]) > 0.04) target = faucet;
  else target = add(faucet, [-0.1, 0.05, 0]);
  return [...move(hand, target, 25), 1];
});
