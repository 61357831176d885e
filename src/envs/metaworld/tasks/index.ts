// Every Meta-World task file, one line each, sorted by file name. Add yours with a single line.
export { default as basketball } from './basketball.ts';
export { default as binPicking } from './bin-picking.ts';
export { default as disassemble } from './disassemble.ts';
export { default as drawerOpen } from './drawer-open.ts';
export { default as pegUnplugSide } from './peg-unplug-side.ts';
export { default as pickOutOfHole } from './pick-out-of-hole.ts';
export { default as pickPlace } from './pick-place.ts';
export { default as pickPlaceWall } from './pick-place-wall.ts';
export { default as plateSlideBack } from './plate-slide-back.ts';
export { default as plateSlideBackSide } from './plate-slide-back-side.ts';
export { default as push } from './push.ts';
export { default as pushBack } from './push-back.ts';
export { default as pushWall } from './push-wall.ts';
export { default as reach } from './reach.ts';
export { default as reachWall } from './reach-wall.ts';
export { default as sweep } from './sweep.ts';
export { default as sweepInto } from './sweep-into.ts';
