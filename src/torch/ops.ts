/** Module-level ops that take several tensors: torch.cat, stack, where, matmul, einsum, ... */
import { native } from './native.ts';
import { arg, wrap, type Tensor, type TensorOrScalar } from './tensor.ts';

export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('cat(): needs at least one tensor');
  return wrap(native.cat(tensors.map((t) => t.handle), dim));
}
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack(): needs at least one tensor');
  return wrap(native.stack(tensors.map((t) => t.handle), dim));
}
/** Elementwise: a where condition is true, b elsewhere (either may be a number). */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return wrap(native.where(condition.handle, arg(a), arg(b)));
}
export function maximum(a: Tensor, b: TensorOrScalar): Tensor {
  return a.maximum(b);
}
export function minimum(a: Tensor, b: TensorOrScalar): Tensor {
  return a.minimum(b);
}
export function matmul(a: Tensor, b: Tensor): Tensor {
  return a.matmul(b);
}
export function bmm(a: Tensor, b: Tensor): Tensor {
  return a.bmm(b);
}
export function outer(a: Tensor, b: Tensor): Tensor {
  return wrap(native.outer(a.handle, b.handle));
}
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  return wrap(native.einsum(equation, operands.map((t) => t.handle)));
}
/** number ** tensor, elementwise. */
export function pow(base: TensorOrScalar, exponent: TensorOrScalar): Tensor {
  if (typeof base === 'number' || typeof base === 'boolean') {
    if (typeof exponent === 'number' || typeof exponent === 'boolean') throw new TypeError('pow(): one argument must be a tensor');
    return wrap(native.rpow(base, exponent.handle));
  }
  return base.pow(exponent);
}
/** Samples n indices per row from (unnormalised) probabilities. */
export function multinomial(probs: Tensor, n: number, replacement = false): Tensor {
  return wrap(native.multinomial(probs.handle, n, replacement));
}
/** 0/1 samples with the given probabilities. */
export function bernoulli(probs: Tensor): Tensor {
  return wrap(native.bernoulli(probs.handle));
}
