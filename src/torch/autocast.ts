/**
 * Automatic mixed precision, as `torch.autocast`: inside `autocast(...)` libtorch runs the ops on its
 * lower-precision list (matrix products, linear layers) in bfloat16 or float16 and keeps the ones on its
 * float32 list (softmax, losses, norms) in float32, casting inputs as each op needs. The switches are
 * libtorch's own thread-local state, so the same op lists and casts apply as in PyTorch.
 */
import { native } from './native.ts';
import type { Device, DType } from './dtype.ts';

export type AutocastDeviceType = 'cpu' | 'cuda';
export type AutocastDType = 'bfloat16' | 'float16';

export interface AutocastOptions {
  /** Default: float16 on CUDA, bfloat16 on the CPU (PyTorch's defaults). */
  dtype?: AutocastDType;
  /** Default true; false runs `fn` with autocast off (as `torch.autocast(enabled=False)`). */
  enabled?: boolean;
  /** Keep the cast copies of weights for the whole region (default true, as PyTorch). */
  cacheEnabled?: boolean;
}

/** The autocast device type of a device string: 'cuda:1' -> 'cuda'. */
export function autocastDeviceType(device: Device): AutocastDeviceType {
  if (device === 'cpu') return 'cpu';
  if (device === 'cuda' || device.startsWith('cuda:')) return 'cuda';
  throw new Error(`autocast: no autocast for device '${device}' (only cpu and cuda)`);
}

/** Runs `fn` (synchronous) under autocast on `deviceType`, restoring the previous state after, also on throw. */
export function autocast<T>(deviceType: AutocastDeviceType, opts: AutocastOptions, fn: () => T): T {
  const dtype: AutocastDType = opts.dtype ?? (deviceType === 'cuda' ? 'float16' : 'bfloat16');
  // libtorch 1.13's CPU autocast has only a bfloat16 op list (PyTorch disables CPU float16 autocast with a warning).
  if (deviceType === 'cpu' && dtype !== 'bfloat16') throw new Error(`autocast: on the CPU autocast runs in bfloat16, not ${dtype}`);
  const prev = native.autocastState(deviceType) as { enabled: boolean; dtype: DType; cacheEnabled: boolean };
  native.autocastSet(deviceType, opts.enabled ?? true, dtype, opts.cacheEnabled ?? true);
  native.autocastNesting(1);
  try {
    const r = fn();
    if (r instanceof Promise) throw new Error('autocast() takes a synchronous function');
    return r;
  } finally {
    native.autocastNesting(-1); // clears the cast-weight cache when the outermost region ends
    native.autocastSet(deviceType, prev.enabled, prev.dtype, prev.cacheEnabled);
  }
}

/** Whether autocast is on for `deviceType` in this thread. */
export function isAutocastEnabled(deviceType: AutocastDeviceType): boolean {
  return (native.autocastState(deviceType) as { enabled: boolean }).enabled;
}
