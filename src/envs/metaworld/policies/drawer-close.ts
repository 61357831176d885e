/** Scripted expert for drawer-close-v2 (upstream SawyerDrawerCloseV2Policy). */
import { add, defineScriptedPolicy, handPos, move, objPos } from '../policy.ts';

export default defineScriptedPolicy('drawer-close-v2', (obs) => {
  const hand = handPos(obs);
  const drawer = add(objPos(obs), [0, 0, -0.02]);
  let target: ArrayLike<number>;
  if (hand[1] > drawer[1]) {
    // beyond the handle: rise quickly, then come over its front edge, staying high
    target = hand[2] < drawer[2] + 0.23 ? [hand[0], hand[1], drawer[2] + 0.5] : add(drawer, [0, -0.075, 0.23]);
  } else if (Math.abs(hand[2] - drawer[2]) > 0.04) {
    target = add(drawer, [0, -0.075, 0]);
  } else {
    target = drawer;
  }
  return [...move(hand, target, 25), 1];
});
