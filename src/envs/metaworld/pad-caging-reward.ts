/**
 * The caging reward that push-back, sweep, sweep-into and soccer define for themselves (upstream
 * overrides `_gripper_caging_reward` in each): both pads must straddle the object in y (caging), a
 * tighter y window rewards closing on it (gripping, counted only once caging exceeds 0.95), and the
 * gripper centre must be near it in x-z. The tasks differ only in the two margins.
 */
import { hamacherProduct, tolerance } from './rewards.ts';

const PAD_SUCCESS_MARGIN = 0.05;

export interface PadCagingState {
  obj: ArrayLike<number>;
  objInitPos: ArrayLike<number>;
  tcp: ArrayLike<number>;
  initTcp: ArrayLike<number>;
  leftPad: ArrayLike<number>;
  rightPad: ArrayLike<number>;
  initLeftPad: ArrayLike<number>;
  initRightPad: ArrayLike<number>;
}

export interface PadCagingMargins {
  objRadius: number;
  /** Added to `objRadius` for the gripping window. */
  gripExtra: number;
  /** x-z distance within which caging in x-z is full. */
  xzSuccessMargin: number;
}

export function padCagingReward(s: PadCagingState, m: PadCagingMargins): number {
  const gripMargin = m.objRadius + m.gripExtra;
  const deltaLeft = s.leftPad[1] - s.obj[1];
  const deltaRight = s.obj[1] - s.rightPad[1];
  const rightMargin = Math.abs(Math.abs(s.obj[1] - s.initRightPad[1]) - PAD_SUCCESS_MARGIN);
  const leftMargin = Math.abs(Math.abs(s.obj[1] - s.initLeftPad[1]) - PAD_SUCCESS_MARGIN);
  const tol = (x: number, upper: number, margin: number): number =>
    tolerance(x, { bounds: [m.objRadius, upper], margin, sigmoid: 'long_tail' });
  const yCaging = hamacherProduct(tol(deltaRight, PAD_SUCCESS_MARGIN, rightMargin), tol(deltaLeft, PAD_SUCCESS_MARGIN, leftMargin));
  const yGripping = hamacherProduct(tol(deltaRight, gripMargin, rightMargin), tol(deltaLeft, gripMargin, leftMargin));

  const xzMargin = Math.hypot(s.objInitPos[0] - s.initTcp[0], s.objInitPos[2] - s.initTcp[2]) - m.xzSuccessMargin;
  const xzCaging = tolerance(Math.hypot(s.tcp[0] - s.obj[0], s.tcp[2] - s.obj[2]), {
    bounds: [0, m.xzSuccessMargin],
    margin: xzMargin,
    sigmoid: 'long_tail',
  });

  const caging = hamacherProduct(yCaging, xzCaging);
  const gripping = caging > 0.95 ? yGripping : 0;
  return (caging + gripping) / 2;
}
