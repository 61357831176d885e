/**
 * Tensor: a reference to a libtorch tensor with PyTorch's method names in camelCase
 * (`index_select` is `indexSelect`). Ops return new tensors registered with the innermost
 * `tidy` scope; methods ending in `_` work in place and return `this`. JS numbers are accepted
 * wherever PyTorch takes a Python scalar (`t.mul(0.5)`).
 */
import { inspect } from 'node:util';
import { native, type Handle } from './native.ts';
import { TENSOR_BRAND, track, type Disposable } from './scope.ts';
import { isDType, type Device, type DType } from './dtype.ts';

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;
export type Reduction = 'mean' | 'sum' | 'none';

/** Shapes may be given as an array or as separate numbers: `t.view([2, -1])` or `t.view(2, -1)`. */
export type ShapeArgs = [number[]] | number[];

export function shapeFrom(args: ShapeArgs): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return args[0];
  return args as number[];
}

function checkDims(dims: number[], what: string): void {
  for (const d of dims) {
    if (!Number.isInteger(d)) throw new TypeError(`${what}: dimensions must be integers, got ${JSON.stringify(dims)}`);
  }
}

/** Result of max/min/topk/sort over a dimension (a PyTorch named tuple). */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

// Fallback for tensors outside every tidy scope that are never disposed: freed after garbage
// collection (when the event loop turns). Scoped tensors are not registered: registering every
// temporary would grow the JS heap in tight loops, and their scope frees them anyway.
const collected = new FinalizationRegistry<Handle>((h) => native.dispose(h));

export class Tensor implements Disposable {
  readonly [TENSOR_BRAND] = true;
  kept = false;
  #handle: Handle | null;
  #registered = false;
  #shape: number[] | undefined;
  #dtype: DType | undefined;

  /** Wraps a native handle (for src/torch internals; use the factory functions instead). */
  constructor(handle: Handle, scoped = true) {
    this.#handle = handle;
    if (!scoped || !track(this)) this.onUnscoped();
  }

  /** Called when no tidy scope owns this tensor any more: it joins the garbage-collection fallback. */
  onUnscoped(): void {
    if (this.#registered || this.#handle === null) return;
    collected.register(this, this.#handle, this);
    this.#registered = true;
  }

  /** The native handle; throws once the tensor is disposed. */
  get handle(): Handle {
    const h = this.#handle;
    if (h === null) throw new Error('tensor used after dispose()');
    return h;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  /** Frees this reference now (the memory goes once no other tensor or the autograd graph uses it). */
  dispose(): void {
    if (this.#handle === null) return;
    native.dispose(this.#handle);
    if (this.#registered) collected.unregister(this);
    this.#handle = null;
  }

  /** Moves the underlying tensor into a new (unscoped) Tensor object and disposes nothing. For subclasses. */
  protected static takeHandle(t: Tensor): Handle {
    const h = t.handle;
    if (t.#registered) collected.unregister(t);
    t.#handle = null;
    return h;
  }

  // ---- metadata ----

  get shape(): number[] {
    this.#shape ??= native.shape(this.handle) as number[];
    return this.#shape.slice();
  }
  get dtype(): DType {
    this.#dtype ??= native.dtype(this.handle) as DType;
    return this.#dtype;
  }
  get device(): Device {
    return native.device(this.handle) as string;
  }
  get ndim(): number {
    this.#shape ??= native.shape(this.handle) as number[];
    return this.#shape.length;
  }
  dim(): number {
    return this.ndim;
  }
  /** size() is the shape; size(d) one dimension (negative d counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    const s = this.shape;
    if (dim === undefined) return s;
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new RangeError(`size(${dim}): tensor has ${s.length} dimensions`);
    return s[d]!;
  }
  numel(): number {
    return native.numel(this.handle) as number;
  }
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle) as boolean;
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handle) as boolean;
  }
  get isCuda(): boolean {
    return this.device.startsWith('cuda');
  }

  // ---- conversion and export ----

  /** to('float64'), to('cuda'), to({ dtype, device, copy }). Returns a new reference (same data if nothing changes). */
  to(target: DType | Device | { dtype?: DType; device?: Device; copy?: boolean }): Tensor {
    if (typeof target === 'string') {
      return isDType(target) ? wrap(native.to(this.handle, target, undefined)) : wrap(native.to(this.handle, undefined, target));
    }
    return wrap(native.to(this.handle, target.dtype, target.device, target.copy ?? false));
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  cpu(): Tensor {
    return this.to({ device: 'cpu' });
  }
  cuda(index = 0): Tensor {
    return this.to({ device: `cuda:${index}` });
  }
  contiguous(): Tensor {
    return wrap(native.contiguous(this.handle));
  }
  clone(): Tensor {
    return wrap(native.clone(this.handle));
  }
  /** A reference to the same data, cut from the autograd graph. */
  detach(): Tensor {
    return wrap(native.detach(this.handle));
  }
  /** The value of a one-element tensor (int64 values beyond 2^53 lose precision). */
  item(): number {
    const v = native.item(this.handle) as number | boolean;
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  toFloat32Array(): Float32Array {
    return new Float32Array(this.#bufferAs('float32'));
  }
  toFloat64Array(): Float64Array {
    return new Float64Array(this.#bufferAs('float64'));
  }
  toBigInt64Array(): BigInt64Array {
    return new BigInt64Array(this.#bufferAs('int64'));
  }
  toInt32Array(): Int32Array {
    return new Int32Array(this.#bufferAs('int32'));
  }
  /** Elements as booleans (any dtype; nonzero is true). */
  toBoolArray(): boolean[] {
    return Array.from(new Uint8Array(this.#bufferAs('bool')), (b) => b !== 0);
  }
  /** Elements as a flat number[] in row-major order (bool gives 0/1). */
  toArray(): number[] {
    if (this.dtype === 'int64') return Array.from(this.toBigInt64Array(), Number);
    return Array.from(this.toFloat64Array());
  }
  /** Nested arrays like PyTorch's tolist(); a 0-d tensor gives a number. */
  tolist(): unknown {
    const flat = this.dtype === 'bool' ? this.toBoolArray() : this.toArray();
    const shape = this.shape;
    if (shape.length === 0) return flat[0];
    let pos = 0;
    const build = (d: number): unknown[] => {
      const out: unknown[] = [];
      for (let i = 0; i < shape[d]!; i++) out.push(d === shape.length - 1 ? flat[pos++] : build(d + 1));
      return out;
    };
    return build(0);
  }
  #bufferAs(dtype: DType): ArrayBuffer {
    if (this.dtype === dtype) return native.toArrayBuffer(this.handle) as ArrayBuffer;
    const converted = native.to(this.handle, dtype, undefined) as Handle;
    try {
      return native.toArrayBuffer(converted) as ArrayBuffer;
    } finally {
      native.dispose(converted);
    }
  }

  // ---- autograd ----

  /** The accumulated gradient (a new reference each read), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.handle) as Handle | undefined;
    return g === undefined ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.handle, g === null ? undefined : g.handle);
  }
  requiresGrad_(requiresGrad = true): this {
    native.setRequiresGrad(this.handle, requiresGrad);
    return this;
  }
  retainGrad(): this {
    native.retainGrad(this.handle);
    return this;
  }
  backward(gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(this.handle, gradient?.handle, opts.retainGraph ?? false, opts.createGraph ?? false);
  }

  // ---- elementwise arithmetic ----

  /** this + alpha * other */
  add(other: TensorOrScalar, alpha?: number): Tensor {
    return wrap(native.add(this.handle, arg(other), alpha));
  }
  /** this - alpha * other */
  sub(other: TensorOrScalar, alpha?: number): Tensor {
    return wrap(native.sub(this.handle, arg(other), alpha));
  }
  mul(other: TensorOrScalar): Tensor {
    return wrap(native.mul(this.handle, arg(other)));
  }
  div(other: TensorOrScalar): Tensor {
    return wrap(native.div(this.handle, arg(other)));
  }
  floorDivide(other: TensorOrScalar): Tensor {
    return wrap(native.floorDivide(this.handle, arg(other)));
  }
  remainder(other: TensorOrScalar): Tensor {
    return wrap(native.remainder(this.handle, arg(other)));
  }
  pow(exponent: TensorOrScalar): Tensor {
    return wrap(native.pow(this.handle, arg(exponent)));
  }
  /** Elementwise max with a tensor (or a number, like clamp(min)). */
  maximum(other: TensorOrScalar): Tensor {
    return wrap(native.maximum(this.handle, arg(other)));
  }
  minimum(other: TensorOrScalar): Tensor {
    return wrap(native.minimum(this.handle, arg(other)));
  }
  atan2(other: TensorOrScalar): Tensor {
    return wrap(native.atan2(this.handle, arg(other)));
  }
  neg(): Tensor {
    return wrap(native.neg(this.handle));
  }
  abs(): Tensor {
    return wrap(native.abs(this.handle));
  }
  exp(): Tensor {
    return wrap(native.exp(this.handle));
  }
  log(): Tensor {
    return wrap(native.log(this.handle));
  }
  log2(): Tensor {
    return wrap(native.log2(this.handle));
  }
  log1p(): Tensor {
    return wrap(native.log1p(this.handle));
  }
  expm1(): Tensor {
    return wrap(native.expm1(this.handle));
  }
  sqrt(): Tensor {
    return wrap(native.sqrt(this.handle));
  }
  rsqrt(): Tensor {
    return wrap(native.rsqrt(this.handle));
  }
  square(): Tensor {
    return wrap(native.square(this.handle));
  }
  reciprocal(): Tensor {
    return wrap(native.reciprocal(this.handle));
  }
  sin(): Tensor {
    return wrap(native.sin(this.handle));
  }
  cos(): Tensor {
    return wrap(native.cos(this.handle));
  }
  tanh(): Tensor {
    return wrap(native.tanh(this.handle));
  }
  atanh(): Tensor {
    return wrap(native.atanh(this.handle));
  }
  sigmoid(): Tensor {
    return wrap(native.sigmoid(this.handle));
  }
  relu(): Tensor {
    return wrap(native.relu(this.handle));
  }
  erf(): Tensor {
    return wrap(native.erf(this.handle));
  }
  floor(): Tensor {
    return wrap(native.floor(this.handle));
  }
  ceil(): Tensor {
    return wrap(native.ceil(this.handle));
  }
  round(): Tensor {
    return wrap(native.round(this.handle));
  }
  trunc(): Tensor {
    return wrap(native.trunc(this.handle));
  }
  sign(): Tensor {
    return wrap(native.sign(this.handle));
  }
  /** Clamps into [min, max]; either bound may be omitted (null), a number, or a broadcastable tensor. */
  clamp(min?: number | Tensor | null, max?: number | Tensor | null): Tensor {
    if (min instanceof Tensor || max instanceof Tensor) {
      const lo = typeof min === 'number' ? fullLikeScalar(this, min) : min;
      const hi = typeof max === 'number' ? fullLikeScalar(this, max) : max;
      try {
        return wrap(native.clampTensor(this.handle, lo?.handle, hi?.handle));
      } finally {
        if (lo !== min) lo?.dispose();
        if (hi !== max) hi?.dispose();
      }
    }
    return wrap(native.clamp(this.handle, min ?? undefined, max ?? undefined));
  }
  /** Linear interpolation this + weight * (end - this). */
  lerp(end: Tensor, weight: TensorOrScalar): Tensor {
    return wrap(native.lerp(this.handle, end.handle, arg(weight)));
  }
  /** Where mask is true, value; elsewhere this. */
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    return wrap(native.maskedFill(this.handle, mask.handle, arg(value)));
  }
  /** PyTorch's x.where(condition, y): this where condition is true, other elsewhere. */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return wrap(native.where(condition.handle, this.handle, arg(other)));
  }

  // ---- comparisons and logic (bool results) ----

  eq(other: TensorOrScalar): Tensor {
    return wrap(native.eq(this.handle, arg(other)));
  }
  ne(other: TensorOrScalar): Tensor {
    return wrap(native.ne(this.handle, arg(other)));
  }
  lt(other: TensorOrScalar): Tensor {
    return wrap(native.lt(this.handle, arg(other)));
  }
  le(other: TensorOrScalar): Tensor {
    return wrap(native.le(this.handle, arg(other)));
  }
  gt(other: TensorOrScalar): Tensor {
    return wrap(native.gt(this.handle, arg(other)));
  }
  ge(other: TensorOrScalar): Tensor {
    return wrap(native.ge(this.handle, arg(other)));
  }
  logicalAnd(other: TensorOrScalar): Tensor {
    return wrap(native.logicalAnd(this.handle, arg(other)));
  }
  logicalOr(other: TensorOrScalar): Tensor {
    return wrap(native.logicalOr(this.handle, arg(other)));
  }
  logicalXor(other: TensorOrScalar): Tensor {
    return wrap(native.logicalXor(this.handle, arg(other)));
  }
  logicalNot(): Tensor {
    return wrap(native.logicalNot(this.handle));
  }
  isFinite(): Tensor {
    return wrap(native.isfinite(this.handle));
  }
  isNan(): Tensor {
    return wrap(native.isnan(this.handle));
  }
  isInf(): Tensor {
    return wrap(native.isinf(this.handle));
  }
  /** True if any element is NaN. */
  hasNaN(): boolean {
    return native.hasNaN(this.handle) as boolean;
  }
  /** True if every element is finite. */
  allFinite(): boolean {
    return native.allFinite(this.handle) as boolean;
  }
  /** Same shape and exactly equal elements. */
  equal(other: Tensor): boolean {
    return native.equal(this.handle, other.handle) as boolean;
  }
  allclose(other: Tensor, rtol = 1e-5, atol = 1e-8): boolean {
    return native.allclose(this.handle, other.handle, rtol, atol) as boolean;
  }

  // ---- reductions (dim: a number or an array; omitted = all elements) ----

  sum(dim?: number | number[], keepdim = false): Tensor {
    return wrap(native.sum(this.handle, dim, keepdim));
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return wrap(native.mean(this.handle, dim, keepdim));
  }
  /** max() of all elements, or { values, indices } along dim. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return wrap(native.maxAll(this.handle));
    return pair(native.maxDim(this.handle, dim, keepdim));
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return wrap(native.minAll(this.handle));
    return pair(native.minDim(this.handle, dim, keepdim));
  }
  /** Maximum values over dims (no indices). */
  amax(dim?: number | number[], keepdim = false): Tensor {
    return wrap(native.amax(this.handle, dim, keepdim));
  }
  amin(dim?: number | number[], keepdim = false): Tensor {
    return wrap(native.amin(this.handle, dim, keepdim));
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return wrap(native.argmax(this.handle, dim, keepdim));
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return wrap(native.argmin(this.handle, dim, keepdim));
  }
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
    return pair(native.topk(this.handle, k, dim, largest, sorted));
  }
  sort(dim = -1, descending = false): ValuesIndices {
    return pair(native.sort(this.handle, dim, descending));
  }
  logsumexp(dim?: number | number[], keepdim = false): Tensor {
    return wrap(native.logsumexp(this.handle, dim, keepdim));
  }
  std(dim?: number | number[], unbiased = true, keepdim = false): Tensor {
    return wrap(native.std(this.handle, dim, unbiased, keepdim));
  }
  var(dim?: number | number[], unbiased = true, keepdim = false): Tensor {
    return wrap(native.var(this.handle, dim, unbiased, keepdim));
  }
  prod(dim?: number, keepdim = false): Tensor {
    return wrap(native.prod(this.handle, dim, keepdim));
  }
  /** Vector p-norm over dims (all elements when dim is omitted), like torch.linalg.vector_norm. */
  norm(p = 2, dim?: number | number[], keepdim = false): Tensor {
    return wrap(native.norm(this.handle, p, dim, keepdim));
  }
  all(dim?: number, keepdim = false): Tensor {
    return wrap(native.all(this.handle, dim, keepdim));
  }
  any(dim?: number, keepdim = false): Tensor {
    return wrap(native.any(this.handle, dim, keepdim));
  }
  cumsum(dim: number): Tensor {
    return wrap(native.cumsum(this.handle, dim));
  }
  cumprod(dim: number): Tensor {
    return wrap(native.cumprod(this.handle, dim));
  }

  // ---- shape and indexing ----

  reshape(...shape: ShapeArgs): Tensor {
    const s = shapeFrom(shape);
    checkDims(s, 'reshape');
    return wrap(native.reshape(this.handle, s));
  }
  view(...shape: ShapeArgs): Tensor {
    const s = shapeFrom(shape);
    checkDims(s, 'view');
    return wrap(native.view(this.handle, s));
  }
  viewAs(other: Tensor): Tensor {
    return this.view(other.shape);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return wrap(native.transpose(this.handle, dim0, dim1));
  }
  /** Transpose of a 2-d tensor. */
  t(): Tensor {
    return this.transpose(0, 1);
  }
  permute(...dims: ShapeArgs): Tensor {
    return wrap(native.permute(this.handle, shapeFrom(dims)));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(native.narrow(this.handle, dim, start, length));
  }
  /** Python's t[..., start:end:step] along dim (end exclusive; negative values count from the end). */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return wrap(native.slice(this.handle, dim, start, end, step));
  }
  /** t.select(dim, i) is t[..., i] (that dimension removed). */
  select(dim: number, index: number): Tensor {
    return wrap(native.select(this.handle, dim, index));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(native.indexSelect(this.handle, dim, index.handle));
  }
  /** Advanced indexing on the leading dims: t.index([i]) is t[i] for an int64 or bool tensor i. */
  index(indices: Tensor[]): Tensor {
    return wrap(native.index(this.handle, indices.map((i) => i.handle)));
  }
  /** Out-of-place index_put: a copy with copy[indices] = values (or += with accumulate). */
  indexPut(indices: Tensor[], values: Tensor, accumulate = false): Tensor {
    return wrap(native.indexPut(this.handle, indices.map((i) => i.handle), values.handle, accumulate));
  }
  maskedSelect(mask: Tensor): Tensor {
    return wrap(native.maskedSelect(this.handle, mask.handle));
  }
  gather(dim: number, index: Tensor): Tensor {
    return wrap(native.gather(this.handle, dim, index.handle));
  }
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return wrap(native.scatter(this.handle, dim, index.handle, arg(src)));
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(native.scatterAdd(this.handle, dim, index.handle, src.handle));
  }
  /** split(size) into equal chunks of `size`, or split([a, b, ...]) into those sizes. */
  split(sizes: number | number[], dim = 0): Tensor[] {
    return wrapAll(native.split(this.handle, sizes, dim));
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return wrapAll(native.chunk(this.handle, chunks, dim));
  }
  unbind(dim = 0): Tensor[] {
    return wrapAll(native.unbind(this.handle, dim));
  }
  expand(...shape: ShapeArgs): Tensor {
    return wrap(native.expand(this.handle, shapeFrom(shape)));
  }
  expandAs(other: Tensor): Tensor {
    return this.expand(other.shape);
  }
  repeat(...repeats: ShapeArgs): Tensor {
    return wrap(native.repeat(this.handle, shapeFrom(repeats)));
  }
  repeatInterleave(repeats: number, dim: number): Tensor {
    return wrap(native.repeatInterleave(this.handle, repeats, dim));
  }
  squeeze(dim?: number): Tensor {
    return wrap(native.squeeze(this.handle, dim));
  }
  unsqueeze(dim: number): Tensor {
    return wrap(native.unsqueeze(this.handle, dim));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return wrap(native.flatten(this.handle, startDim, endDim));
  }
  flip(...dims: ShapeArgs): Tensor {
    return wrap(native.flip(this.handle, shapeFrom(dims)));
  }
  roll(shifts: number | number[], dims: number | number[]): Tensor {
    return wrap(native.roll(this.handle, shifts, dims));
  }
  triu(diagonal = 0): Tensor {
    return wrap(native.triu(this.handle, diagonal));
  }
  tril(diagonal = 0): Tensor {
    return wrap(native.tril(this.handle, diagonal));
  }

  // ---- linear algebra and softmax ----

  matmul(other: Tensor): Tensor {
    return wrap(native.matmul(this.handle, other.handle));
  }
  mm(other: Tensor): Tensor {
    return wrap(native.mm(this.handle, other.handle));
  }
  bmm(other: Tensor): Tensor {
    return wrap(native.bmm(this.handle, other.handle));
  }
  softmax(dim: number): Tensor {
    return wrap(native.softmax(this.handle, dim));
  }
  logSoftmax(dim: number): Tensor {
    return wrap(native.logSoftmax(this.handle, dim));
  }

  // ---- in place (return this) ----

  add_(other: TensorOrScalar, alpha?: number): this {
    native.add_(this.handle, arg(other), alpha);
    return this;
  }
  sub_(other: TensorOrScalar, alpha?: number): this {
    native.sub_(this.handle, arg(other), alpha);
    return this;
  }
  mul_(other: TensorOrScalar): this {
    native.mul_(this.handle, arg(other));
    return this;
  }
  div_(other: TensorOrScalar): this {
    native.div_(this.handle, arg(other));
    return this;
  }
  copy_(src: Tensor): this {
    native.copy_(this.handle, src.handle);
    return this;
  }
  zero_(): this {
    native.zero_(this.handle);
    return this;
  }
  fill_(value: Scalar): this {
    native.fill_(this.handle, value);
    return this;
  }
  /** this += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    native.addcmul_(this.handle, t1.handle, t2.handle, value);
    return this;
  }
  /** this += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    native.addcdiv_(this.handle, t1.handle, t2.handle, value);
    return this;
  }
  /** this += weight * (end - this): a Polyak / EMA update with weight = tau. */
  lerp_(end: Tensor, weight: TensorOrScalar): this {
    native.lerp_(this.handle, end.handle, arg(weight));
    return this;
  }
  clamp_(min?: number | null, max?: number | null): this {
    native.clamp_(this.handle, min ?? undefined, max ?? undefined);
    return this;
  }
  maskedFill_(mask: Tensor, value: TensorOrScalar): this {
    native.maskedFill_(this.handle, mask.handle, arg(value));
    return this;
  }
  uniform_(low = 0, high = 1): this {
    native.uniform_(this.handle, low, high);
    return this;
  }
  normal_(mean = 0, std = 1): this {
    native.normal_(this.handle, mean, std);
    return this;
  }
  sqrt_(): this {
    native.sqrt_(this.handle);
    return this;
  }

  // ---- printing ----

  toString(): string {
    if (this.isDisposed) return 'tensor(<disposed>)';
    const n = this.numel();
    const extras = [`dtype=${this.dtype}`];
    if (this.device !== 'cpu') extras.push(`device=${this.device}`);
    if (this.requiresGrad) extras.push('requiresGrad=true');
    if (n > 200) return `tensor(shape=[${this.shape.join(', ')}], ${extras.join(', ')})`;
    const body = JSON.stringify(this.tolist(), (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(6)) : v));
    return `tensor(${body.replace(/,/g, ', ')}, ${extras.join(', ')})`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** A tensor or a number, as the addon takes it. */
export function arg(v: TensorOrScalar): Handle | Scalar {
  return v instanceof Tensor ? v.handle : v;
}

function fullLikeScalar(t: Tensor, v: number): Tensor {
  return new Tensor(native.full([], v, t.dtype, t.device), false);
}

export function wrap(h: Handle): Tensor {
  return new Tensor(h);
}

export function wrapAll(hs: Handle[]): Tensor[] {
  return hs.map((h) => new Tensor(h));
}

function pair(hs: Handle[]): ValuesIndices {
  return { values: new Tensor(hs[0]!), indices: new Tensor(hs[1]!) };
}

/** How many native tensor references are alive (disposed ones excluded): for tests and leak hunting. */
export function liveTensors(): number {
  return native.liveCount() as number;
}
