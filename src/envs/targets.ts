/**
 * Target returns that condition the original L2M's rollouts (`src/envs/target_returns.py`): the
 * return-to-go at t=0, before division by the domain's reward scale, then
 * R_{t+1} = min(R_t - r_t / scale, R_0). Meta-World v2 targets are keyed by their '-v2' names.
 */
import type { Domain } from './types.ts';

export const METAWORLD_TARGET_RETURNS: Readonly<Record<string, number>> = {
  'assembly-v2': 1285.642, 'button-press-v2': 1604.5227, 'disassemble-v2': 1536.4567,
  'plate-slide-side-v2': 1748.304, 'door-lock-v2': 1831.5373, 'door-unlock-v2': 1794.7213,
  'pick-place-v2': 1300.692, 'drawer-close-v2': 1880.0, 'coffee-pull-v2': 1475.0727,
  'handle-pull-v2': 1759.07, 'peg-insert-side-v2': 1695.9867, 'door-close-v2': 1587.8,
  'button-press-topdown-v2': 1384.7, 'lever-pull-v2': 1677.1973, 'reach-v2': 1905.1067,
  'door-open-v2': 1608.812, 'sweep-v2': 1560.82, 'box-close-v2': 1127.9013,
  'button-press-wall-v2': 1614.572, 'basketball-v2': 1597.018, 'soccer-v2': 1706.2247,
  'handle-press-v2': 1929.8347, 'coffee-button-v2': 1698.32, 'faucet-open-v2': 1783.7487,
  'plate-slide-v2': 1713.0807, 'reach-wall-v2': 1863.1053, 'handle-pull-side-v2': 1710.8367,
  'drawer-open-v2': 1762.81, 'dial-turn-v2': 1887.328, 'sweep-into-v2': 1815.9427,
  'bin-picking-v2': 1308.598, 'coffee-push-v2': 1694.6847, 'pick-out-of-hole-v2': 1588.1173,
  'button-press-topdown-wall-v2': 1388.598, 'plate-slide-back-side-v2': 1833.7033,
  'plate-slide-back-v2': 1806.1567, 'stick-push-v2': 1629.2633, 'hand-insert-v2': 1789.0467,
  'window-open-v2': 1717.4207, 'pick-place-wall-v2': 1654.644, 'hammer-v2': 1724.842,
  'peg-unplug-side-v2': 1619.82, 'window-close-v2': 1559.3093, 'faucet-close-v2': 1798.588,
  'handle-press-side-v2': 1897.76, 'push-back-v2': 1564.7233, 'push-v2': 1791.2247,
  'push-wall-v2': 1746.7047, 'stick-pull-v2': 1551.368, 'shelf-place-v2': 1513.3307,
};

export const DMC_TARGET_RETURNS: Readonly<Record<string, number>> = {
  'ball_in_cup-catch': 1000.0, 'cartpole-balance': 993.194, 'cartpole-swingup': 857.492,
  'cheetah-run': 451.274, 'finger-spin': 987.0, 'finger-turn_easy': 1000.0,
  'finger-turn_hard': 1000.0, 'fish-upright': 999.433, 'hopper-stand': 975.575,
  'pendulum-swingup': 1000.0, 'point_mass-easy': 998.373, 'reacher-easy': 1000.0,
  'reacher-hard': 1000.0, 'walker-run': 513.464, 'walker-stand': 999.82, 'walker-walk': 982.159,
};

/** Divisor of returns-to-go and rewards in the model's inputs (`configs/env_params/multi_domain_mtdmc.yaml`). */
export const REWARD_SCALE: Readonly<Record<Domain, number>> = { metaworld: 200, dmc: 100 };

/** The target return of a task, by its registry name. */
export function targetReturn(task: string): number {
  const t = METAWORLD_TARGET_RETURNS[task] ?? DMC_TARGET_RETURNS[task];
  if (t === undefined) throw new Error(`targetReturn: no target return for task '${task}' (Meta-World v2 tasks end in '-v2'; DMControl tasks look like 'walker-walk')`);
  return t;
}
