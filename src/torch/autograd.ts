/** Autograd switches and helpers: noGrad, enableGrad, inferenceMode, grad, clipGradNorm_. */
import { native, type Handle } from './native.ts';
import { Tensor, wrap } from './tensor.ts';
import { stack } from './ops.ts';
import { fullLike } from './creation.ts';
import { tidy } from './scope.ts';

export function isGradEnabled(): boolean {
  return native.gradEnabled() as boolean;
}

export function setGradEnabled(enabled: boolean): void {
  native.setGradEnabled(enabled);
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = isGradEnabled();
  native.setGradEnabled(enabled);
  try {
    const r = fn();
    if (r instanceof Promise) throw new Error('noGrad()/enableGrad() take a synchronous function');
    return r;
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs fn without recording operations for autograd (torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with autograd recording on, even inside noGrad (torch.enable_grad()). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/**
 * Runs fn in libtorch's inference mode (torch.inference_mode()): like noGrad but faster; tensors
 * created inside can never join autograd later (they are for rollouts and evaluation).
 */
export function inferenceMode<T>(fn: () => T): T {
  native.enterInferenceMode();
  try {
    const r = fn();
    if (r instanceof Promise) throw new Error('inferenceMode() takes a synchronous function');
    return r;
  } finally {
    native.exitInferenceMode();
  }
}

/** Runs fn with inference mode off, even inside inferenceMode (for tensors that must outlive it, e.g. caches). */
export function outsideInferenceMode<T>(fn: () => T): T {
  native.enterInferenceMode(false);
  try {
    return fn();
  } finally {
    native.exitInferenceMode();
  }
}

/**
 * Gradients of outputs with respect to inputs, like torch.autograd.grad; an input the outputs do
 * not depend on gets null.
 */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor[],
  opts: { gradOutputs?: Tensor[]; retainGraph?: boolean; createGraph?: boolean } = {},
): Array<Tensor | null> {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const hs = native.autogradGrad(
    outs.map((t) => t.handle),
    inputs.map((t) => t.handle),
    opts.gradOutputs?.map((t) => t.handle),
    opts.retainGraph,
    opts.createGraph ?? false,
  ) as Array<Handle | undefined>;
  return hs.map((h) => (h === undefined ? null : wrap(h)));
}

/**
 * Scales the gradients of `parameters` in place so that their global norm is at most maxNorm,
 * exactly like torch.nn.utils.clip_grad_norm_ (PyTorch 1.13). Returns the total norm before clipping.
 */
export function clipGradNorm_(parameters: Iterable<Tensor>, maxNorm: number, normType = 2): number {
  return tidy(() =>
    noGrad(() => {
      const grads: Tensor[] = [];
      for (const p of parameters) {
        const g = p.grad;
        if (g !== null) grads.push(g);
      }
      if (grads.length === 0) return 0;
      const norms = grads.map((g) => (normType === Infinity ? g.abs().amax() : g.norm(normType)));
      const total = normType === Infinity ? stack(norms).amax() : stack(norms).norm(normType);
      const clipCoef = fullLike(total, maxNorm).div(total.add(1e-6)).clamp(null, 1.0);
      for (const g of grads) g.mul_(clipCoef);
      return total.item();
    }),
  );
}
