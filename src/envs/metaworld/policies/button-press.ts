/** Scripted expert for button-press-v2 (upstream SawyerButtonPressV2Policy). */
import { add, defineScriptedPolicy, handPos, move, objPos } from '../policy.ts';

/** numpy's `isclose(a, b, atol)` with its default rtol. */
const isClose = (a: number, b: number, atol: number): boolean => Math.abs(a - b) <= atol + 1e-5 * Math.abs(b);

export default defineScriptedPolicy('button-press-v2', (obs) => {
  const hand = handPos(obs);
  const button = add(objPos(obs), [0, 0, -0.07]);
  let target: ArrayLike<number>;
  // Line up with the button in x and z (upstream backs off in y meanwhile), then push in.
  if (!(isClose(hand[0], button[0], 0.02) && isClose(hand[2], button[2], 0.02))) target = [button[0], hand[1] - 0.1, button[2]];
  else target = add(button, [0, 0.02, 0]);
  return [...move(hand, target, 25), 0];
});
