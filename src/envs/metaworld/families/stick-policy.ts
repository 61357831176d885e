/** The scripted expert of stick-pull and stick-push: grasp the stick, line it up with the thermos, then go to the goal. */
import { add, defineScriptedPolicy, distXY, goalPos, handPos, move, objPos, type ScriptedPolicy } from '../policy.ts';
import type { XYZ } from '../task.ts';

export interface StickPolicyVariant {
  /** Added to the stick's, the thermos's and the goal's observed positions. */
  stickOffset: XYZ;
  thermosOffset?: XYZ;
  goalOffset: XYZ;
  /** The move gain. */
  gain: number;
}

export function stickPolicy(task: string, v: StickPolicyVariant): ScriptedPolicy {
  return defineScriptedPolicy(task, (obs) => {
    const hand = handPos(obs);
    const stick = add(objPos(obs), v.stickOffset);
    const thermos = v.thermosOffset ? add(obs.subarray(11, 14), v.thermosOffset) : obs.subarray(11, 14);
    const goal = add(goalPos(obs), v.goalOffset);
    let target: ArrayLike<number>;
    if (Math.abs(stick[0] - thermos[0]) > 0.04) {
      if (distXY(hand, stick) > 0.02) target = add(stick, [0, 0, 0.1]);
      else if (Math.abs(hand[2] - stick[2]) > 0.02) target = stick;
      else if (Math.abs(stick[1] - thermos[1]) > 0.02) target = [stick[0], thermos[1], stick[2]];
      else if (Math.abs(stick[2] - thermos[2]) > 0.02) target = [stick[0], thermos[1], thermos[2]];
      else target = thermos;
    } else {
      target = goal;
    }
    const grab = distXY(hand, stick) > 0.02 || Math.abs(hand[2] - stick[2]) > 0.1 ? -1 : 0.7;
    return [...move(hand, target, v.gain), grab];
  });
}
