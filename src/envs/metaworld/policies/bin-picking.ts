import { add, defineScriptedPolicy, distXY, handPos, move, objPos } from '../policy.ts';

const BIN = [0.12, 0.7, 0.02] as const;

/** The cube as the expert sees it: 3 cm up, y pulled towards the bin's centre so the fingers drag it off the walls. */
function cubeTarget(obs: Float64Array): [number, number, number] {
  const cube = add(objPos(obs), [0, 0, 0.03]);
  cube[1] = Math.max(0.675, Math.min(cube[1], 0.725));
  return cube;
}

export default defineScriptedPolicy('bin-picking-v2', (obs) => {
  const hand = handPos(obs);
  const cube = cubeTarget(obs);
  let target: ArrayLike<number>;
  if (distXY(hand, cube) > 0.02) target = add(cube, [0, 0, 0.15]);
  else if (Math.abs(hand[2] - cube[2]) > 0.01) target = cube;
  else if (distXY(hand, BIN) > 0.02) target = hand[2] < 0.15 ? add(hand, [0, 0, 0.1]) : [BIN[0], BIN[1], 0.18];
  else target = BIN;
  const grab = distXY(hand, cube) > 0.02 || Math.abs(hand[2] - cube[2]) > 0.02 ? -1 : 0.6;
  return [...move(hand, target, 25), grab];
});
