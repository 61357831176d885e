/**
 * Where a run computes (`train.device`) and in which precision (`train.precision`), shared by
 * pre-training, fine-tuning and continual runs.
 *
 * The device becomes libtorch's default for the run (`torch.setDefaultDevice`), so the model, its
 * batches, the optimiser's state and every tensor the model and the evaluation make are created there.
 * Precision: fp32 (none), bf16 (autocast to bfloat16, CPU or GPU: float32's range, no loss scaling),
 * fp16 (autocast to float16 with a GradScaler, GPU only: the original's `torch.cuda.amp`).
 */
import * as torch from '../torch/index.ts';

export type Precision = 'fp32' | 'bf16' | 'fp16';

export interface MixedPrecision {
  precision: Exclude<Precision, 'fp32'>;
  deviceType: torch.AutocastDeviceType;
  /** fp16 only. */
  scaler?: torch.optim.GradScaler;
}

/** Checks that `device` can run here, naming what is missing. */
export function checkDevice(device: string, field = 'train.device'): void {
  if (device === 'cpu') return;
  if (!/^cuda(:\d+)?$/.test(device)) throw new Error(`${field}: unknown device '${device}' (cpu, cuda or cuda:N)`);
  if (!torch.cuda.isAvailable()) {
    throw new Error(`${field}: '${device}' needs a CUDA build of libtorch and a GPU; the addon is linked against libtorch ${torch.libtorchVersion()} without one (rebuild it with LIBTORCH=<a CUDA libtorch>: docs/performance.md, "On a GPU")`);
  }
  const index = device.includes(':') ? Number(device.split(':')[1]) : 0;
  if (index >= torch.cuda.deviceCount()) throw new Error(`${field}: '${device}' does not exist (${torch.cuda.deviceCount()} CUDA device(s))`);
}

/**
 * Makes `device` the default for the run and returns the function that restores the previous default
 * (call it in the run's `finally`).
 */
export function enterRunDevice(device: string): () => void {
  checkDevice(device);
  const prev = torch.getDefaultDevice();
  torch.setDefaultDevice(device);
  return () => torch.setDefaultDevice(prev);
}

/** The run's mixed precision, or undefined for fp32. */
export function mixedPrecision(train: { precision: Precision; device: string }): MixedPrecision | undefined {
  if (train.precision === 'fp32') return undefined;
  const deviceType = torch.autocastDeviceType(train.device);
  if (train.precision === 'fp16') {
    if (deviceType !== 'cuda') throw new Error(`train.precision: fp16 runs on a GPU only (train.device is ${train.device}); use bf16 on the CPU`);
    return { precision: 'fp16', deviceType, scaler: new torch.optim.GradScaler() };
  }
  return { precision: 'bf16', deviceType };
}

/** Runs a forward pass (the loss) under the run's autocast, or as it is for fp32. */
export function withAutocast<T>(mp: MixedPrecision | undefined, fn: () => T): T {
  if (!mp) return fn();
  return torch.autocast(mp.deviceType, { dtype: mp.precision === 'bf16' ? 'bfloat16' : 'float16' }, fn);
}
