/** The Meta-World task sets of the L2M paper (Continual-World's CW10 order; MT40 = MT50 minus CW10). */

/** All 50 tasks, in upstream's `ALL_V2_ENVIRONMENTS` order. */
export const MT50 = [
  'assembly-v2', 'basketball-v2', 'bin-picking-v2', 'box-close-v2', 'button-press-topdown-v2',
  'button-press-topdown-wall-v2', 'button-press-v2', 'button-press-wall-v2', 'coffee-button-v2', 'coffee-pull-v2',
  'coffee-push-v2', 'dial-turn-v2', 'disassemble-v2', 'door-close-v2', 'door-lock-v2',
  'door-open-v2', 'door-unlock-v2', 'hand-insert-v2', 'drawer-close-v2', 'drawer-open-v2',
  'faucet-open-v2', 'faucet-close-v2', 'hammer-v2', 'handle-press-side-v2', 'handle-press-v2',
  'handle-pull-side-v2', 'handle-pull-v2', 'lever-pull-v2', 'peg-insert-side-v2', 'pick-place-wall-v2',
  'pick-out-of-hole-v2', 'reach-v2', 'push-back-v2', 'push-v2', 'pick-place-v2',
  'plate-slide-v2', 'plate-slide-side-v2', 'plate-slide-back-v2', 'plate-slide-back-side-v2', 'peg-unplug-side-v2',
  'soccer-v2', 'stick-push-v2', 'stick-pull-v2', 'push-wall-v2', 'reach-wall-v2',
  'shelf-place-v2', 'sweep-into-v2', 'sweep-v2', 'window-open-v2', 'window-close-v2',
] as const;

/** Continual-World's 10-task sequence, in order. */
export const CW10 = [
  'hammer-v2', 'push-wall-v2', 'faucet-close-v2', 'push-back-v2', 'stick-pull-v2',
  'handle-press-side-v2', 'push-v2', 'shelf-place-v2', 'window-close-v2', 'peg-unplug-side-v2',
] as const;

/** The 40 pre-training tasks, in the order of the original config (`mt40v2_dmc10.yaml`). */
export const MT40 = [
  'assembly-v2', 'button-press-v2', 'disassemble-v2', 'plate-slide-side-v2', 'door-lock-v2',
  'door-unlock-v2', 'pick-place-v2', 'drawer-close-v2', 'coffee-pull-v2', 'handle-pull-v2',
  'peg-insert-side-v2', 'door-close-v2', 'button-press-topdown-v2', 'lever-pull-v2', 'reach-v2',
  'door-open-v2', 'sweep-v2', 'box-close-v2', 'button-press-wall-v2', 'basketball-v2',
  'soccer-v2', 'handle-press-v2', 'coffee-button-v2', 'faucet-open-v2', 'plate-slide-v2',
  'reach-wall-v2', 'handle-pull-side-v2', 'drawer-open-v2', 'dial-turn-v2', 'sweep-into-v2',
  'bin-picking-v2', 'coffee-push-v2', 'pick-out-of-hole-v2', 'button-press-topdown-wall-v2', 'plate-slide-back-side-v2',
  'plate-slide-back-v2', 'stick-push-v2', 'hand-insert-v2', 'window-open-v2', 'pick-place-wall-v2',
] as const;
