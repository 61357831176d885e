/**
 * The training step shared by pre-training, fine-tuning and continual runs: seed libtorch's generator
 * for this update, accumulate the loss of `accumulation` batches (plus the method's penalty), let the
 * method touch the gradients, clip, step the optimiser, let the method touch the parameters (PackNet),
 * clear the gradients.
 */
import * as torch from '../torch/index.ts';
import type { DecisionTransformer, DTInputs } from '../model/decision-transformer.ts';
import type { AdaptMethod } from '../adapt/method.ts';
import { withAutocast, type MixedPrecision } from './run-device.ts';

export interface StepBatch {
  x: DTInputs;
  actionMask: torch.Tensor;
}

export interface StepOptions {
  accumulation: number;
  gradClip: number;
  /** Seed for this update's dropout masks (see `updateSeed`); unset: the generator runs on. */
  seed?: number;
  method?: AdaptMethod;
  /** For error messages. */
  update?: number;
  /**
   * The loss of a batch (default `model.loss(x, actionMask)`): the pretrain-keys phase of a pool method
   * trains on `keyPullLoss` alone (the same key gradients, without the transformer pass).
   */
  loss?: (model: DecisionTransformer, x: DTInputs, actionMask: torch.Tensor) => torch.Tensor;
  /**
   * Mixed precision (`run-device.ts`): the loss is computed under autocast; with a GradScaler (fp16) it
   * is scaled for backward, the gradients are unscaled before the method's hook and clipping, and an
   * update whose gradients hold inf/NaN is skipped (the scale backs off).
   */
  mixedPrecision?: MixedPrecision;
}

export interface StepResult {
  /** Mean loss over the accumulated batches (the method's penalty included). */
  loss: number;
  gradNorm: number;
  /** fp16: the update was skipped for inf/NaN gradients (the optimiser did not step). */
  skipped?: boolean;
}

/** Seed of libtorch's generator for one update (a splitmix-style hash of seed and update). */
export function updateSeed(seed: number, update: number): number {
  let z = (seed * 0x9e3779b1 + update * 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * One optimiser update. `nextBatch` is called once per accumulated batch inside a scope that frees its
 * tensors. Parameters without requiresGrad are neither clipped nor stepped.
 */
export function trainStep(model: DecisionTransformer, optimizer: torch.optim.Optimizer<{ lr: number }>, nextBatch: () => StepBatch, opts: StepOptions): StepResult {
  if (opts.seed !== undefined) torch.manualSeed(opts.seed);
  const where = opts.update === undefined ? '' : `update ${opts.update}: `;
  const scaler = opts.mixedPrecision?.scaler;
  let lossSum = 0;
  for (let micro = 0; micro < opts.accumulation; micro++) {
    lossSum += torch.tidy(() => {
      const { x, actionMask } = nextBatch();
      let loss = withAutocast(opts.mixedPrecision, () => (opts.loss ? opts.loss(model, x, actionMask) : model.loss(x, actionMask)));
      const penalty = micro === 0 ? opts.method?.penalty?.(model) : undefined;
      if (penalty) loss = loss.add(penalty.mul(opts.accumulation));
      const share = loss.div(opts.accumulation);
      (scaler ? scaler.scale(share) : share).backward();
      return loss.item();
    });
  }
  const loss = lossSum / opts.accumulation;
  if (!Number.isFinite(loss)) {
    model.zeroGrad();
    throw new Error(`${where}the loss is ${loss}; stopping (lower the learning rate or check the data)`);
  }
  if (scaler) scaler.unscale_(optimizer);
  opts.method?.afterBackward?.(model);
  const params = model.parameters().filter((p) => p.requiresGrad);
  const gradNorm = torch.clipGradNorm_(params, opts.gradClip);
  let skipped = false;
  if (scaler) {
    skipped = !scaler.step(optimizer);
    scaler.update();
  } else {
    optimizer.step();
  }
  opts.method?.afterStep?.(model);
  model.zeroGrad();
  return scaler ? { loss, gradNorm, skipped } : { loss, gradNorm };
}
