/**
 * l2m's tensor library: libtorch through a small N-API addon, with PyTorch's names in camelCase.
 *   import * as torch from '../torch/index.ts';
 *   const { nn, F, optim } = torch;
 * See src/torch/README.md for the rules (tidy/dispose, modules, optimisers, checkpoints).
 */
export { Tensor, liveTensors, type Scalar, type TensorOrScalar, type ValuesIndices, type Reduction } from './tensor.ts';
export { tidy, keep, dispose, scopeDepth } from './scope.ts';
export type { DType, Device, TensorOptions } from './dtype.ts';
export {
  tensor,
  zeros,
  ones,
  empty,
  full,
  randn,
  rand,
  randint,
  randperm,
  normal,
  arange,
  linspace,
  eye,
  zerosLike,
  onesLike,
  fullLike,
  randnLike,
  randLike,
  setDefaultDevice,
  getDefaultDevice,
  withDefaultDevice,
  type TypedData,
  type NestedArray,
} from './creation.ts';
export { cat, stack, where, maximum, minimum, matmul, bmm, outer, einsum, pow, multinomial, bernoulli } from './ops.ts';
export { noGrad, enableGrad, inferenceMode, outsideInferenceMode, isGradEnabled, setGradEnabled, grad, clipGradNorm_ } from './autograd.ts';
export { manualSeed } from './random.ts';
export { setNumThreads, getNumThreads, setBlasThreads, getBlasThreads } from './threads.ts';
export { trimMalloc } from './memory.ts';
export { blasInfo, type BlasInfo } from './blas.ts';
export { cuda, bestDevice, libtorchVersion } from './device.ts';
export { autocast, autocastDeviceType, isAutocastEnabled, type AutocastDeviceType, type AutocastDType, type AutocastOptions } from './autocast.ts';
export * as F from './functional.ts';
export * as nn from './nn/index.ts';
export * as optim from './optim/index.ts';
export { saveSafetensors, loadSafetensors, type LoadedSafetensors } from './safetensors.ts';
export { saveCheckpoint, saveCheckpointAtomic, completeCheckpointDir, loadCheckpoint, CHECKPOINT_FILES, type SaveCheckpointOptions, type LoadCheckpointOptions } from './checkpoint.ts';
export { writeFileAtomic } from './atomic-write.ts';
export * as testing from './testing.ts';
export * as profiler from './profiler.ts';
