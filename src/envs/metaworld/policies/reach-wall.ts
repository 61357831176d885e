/** Scripted expert for reach-wall-v2 (upstream SawyerReachWallV2Policy). */
import { add, defineScriptedPolicy, goalPos, handPos, move } from '../policy.ts';

export default defineScriptedPolicy('reach-wall-v2', (obs) => {
  const hand = handPos(obs);
  const goal = goalPos(obs);
  // About to run into the wall: rise while still heading for the goal.
  const nearWall = hand[0] >= -0.1 && hand[0] <= 0.3 && hand[1] >= 0.6 && hand[1] <= 0.8 && hand[2] < 0.25;
  return [...move(hand, nearWall ? add(goal, [0, 0, 1]) : goal, 5), 0];
});
