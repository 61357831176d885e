/** Factory functions: torch.tensor, zeros, ones, full, randn, rand, arange, ... */
import { native, type Handle } from './native.ts';
import { Tensor, type Scalar } from './tensor.ts';
import type { Device, DType, TensorOptions } from './dtype.ts';

export type TypedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
/** Nested arrays of numbers or booleans, e.g. [[1, 2], [3, 4]]. */
export type NestedArray = Array<number | boolean | NestedArray>;

export interface TensorDataOptions extends TensorOptions {
  /** Shape for flat data (typed arrays or flat number[]); default: inferred. */
  shape?: number[];
}

let defaultDevice: Device | undefined;

/**
 * The device that factory functions create tensors on when their options name none (PyTorch's
 * `torch.set_default_device`); `undefined` (the start) is libtorch's own default, the CPU. A run that
 * trains on a GPU sets it once, so the model's parameters, its batches and every tensor its code makes
 * land on the same device without each call site naming it.
 */
export function setDefaultDevice(device: Device | undefined): void {
  defaultDevice = device === 'cpu' ? undefined : device;
}
export function getDefaultDevice(): Device {
  return defaultDevice ?? 'cpu';
}
/** Runs `fn` with `device` as the default device, restoring the previous one after (also on throw). */
export function withDefaultDevice<T>(device: Device, fn: () => T): T {
  const prev = defaultDevice;
  setDefaultDevice(device);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    defaultDevice = prev;
    throw err;
  }
  if (result instanceof Promise) return result.finally(() => (defaultDevice = prev)) as T;
  defaultDevice = prev;
  return result;
}
const deviceOf = (opts: TensorOptions): Device | undefined => opts.device ?? defaultDevice;

function finish(h: Handle, opts: TensorOptions): Tensor {
  const t = new Tensor(h);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: unknown = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], depth: number, out: number[]): void {
  if (data.length !== shape[depth]) {
    throw new Error(`tensor(): ragged nested array (expected ${shape[depth]} elements at depth ${depth}, got ${data.length})`);
  }
  for (const v of data) {
    if (Array.isArray(v)) {
      if (depth + 1 >= shape.length) throw new Error('tensor(): ragged nested array');
      flatten(v, shape, depth + 1, out);
    } else {
      if (depth + 1 !== shape.length) throw new Error('tensor(): ragged nested array');
      out.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
    }
  }
}

function defaultDTypeOf(data: TypedData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array || data instanceof Int32Array) return 'int64';
  return 'uint8';
}

/**
 * A new tensor holding a copy of `data`: a number, boolean, (nested) array, or typed array.
 * Default dtypes: Float32Array -> float32, Float64Array -> float64, BigInt64Array / Int32Array ->
 * int64, Uint8Array -> uint8, numbers -> float32, booleans -> bool.
 */
export function tensor(data: Scalar | NestedArray | TypedData, opts: TensorDataOptions = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const shape = opts.shape ?? [data.length];
    const dtype = opts.dtype ?? defaultDTypeOf(data);
    const storedAs = data instanceof Uint8Array && dtype === 'bool' ? 'bool' : undefined;
    return finish(native.fromTypedArray(data, shape, storedAs, dtype, deviceOf(opts)), opts);
  }
  if (typeof data === 'number' || typeof data === 'boolean') {
    const dtype = opts.dtype ?? (typeof data === 'boolean' ? 'bool' : 'float32');
    return finish(native.fromTypedArray(new Float64Array([Number(data)]), opts.shape ?? [], undefined, dtype, deviceOf(opts)), opts);
  }
  if (!Array.isArray(data)) throw new TypeError('tensor(): data must be a number, boolean, array or typed array');
  const inferred = inferShape(data);
  const flat: number[] = [];
  if (data.length > 0) flatten(data, inferred, 0, flat);
  const isBool = flat.length > 0 && typeof firstLeaf(data) === 'boolean';
  const dtype = opts.dtype ?? (isBool ? 'bool' : 'float32');
  const shape = opts.shape ?? inferred;
  const buf = dtype === 'float32' ? new Float32Array(flat) : new Float64Array(flat);
  return finish(native.fromTypedArray(buf, shape, undefined, dtype, deviceOf(opts)), opts);
}

function firstLeaf(data: NestedArray): unknown {
  let v: unknown = data;
  while (Array.isArray(v)) v = v[0];
  return v;
}

type Shape = number | number[];
const dims = (s: Shape): number[] => (typeof s === 'number' ? [s] : s);

export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return finish(native.zeros(dims(shape), opts.dtype, deviceOf(opts)), opts);
}
export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return finish(native.ones(dims(shape), opts.dtype, deviceOf(opts)), opts);
}
/** Uninitialised memory: only for tensors that are fully overwritten. */
export function empty(shape: Shape, opts: TensorOptions = {}): Tensor {
  return finish(native.empty(dims(shape), opts.dtype, deviceOf(opts)), opts);
}
export function full(shape: Shape, value: Scalar, opts: TensorOptions = {}): Tensor {
  const dtype = opts.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  return finish(native.full(dims(shape), value, dtype, deviceOf(opts)), opts);
}
/** Standard normal samples (the generator seeded by manualSeed). */
export function randn(shape: Shape, opts: TensorOptions = {}): Tensor {
  return finish(native.randn(dims(shape), opts.dtype, deviceOf(opts)), opts);
}
/** Uniform samples in [0, 1). */
export function rand(shape: Shape, opts: TensorOptions = {}): Tensor {
  return finish(native.rand(dims(shape), opts.dtype, deviceOf(opts)), opts);
}
/** Integers uniform in [low, high); int64 unless dtype says otherwise. */
export function randint(low: number, high: number, shape: Shape, opts: TensorOptions = {}): Tensor {
  return finish(native.randint(low, high, dims(shape), opts.dtype ?? 'int64', deviceOf(opts)), opts);
}
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, opts: TensorOptions = {}): Tensor {
  return finish(native.randperm(n, opts.dtype ?? 'int64', deviceOf(opts)), opts);
}
/** mean + std * N(0, 1) samples. */
export function normal(mean: number, std: number, shape: Shape, opts: TensorOptions = {}): Tensor {
  const t = finish(native.empty(dims(shape), opts.dtype, deviceOf(opts)), {});
  t.normal_(mean, std);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/**
 * arange(end), arange(start, end), arange(start, end, step). Like PyTorch, the dtype is int64 when
 * all bounds are integers and float32 otherwise, unless opts.dtype says.
 */
export function arange(end: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end: number, step: number, opts?: TensorOptions): Tensor;
export function arange(a: number, b?: number | TensorOptions, c?: number | TensorOptions, d?: TensorOptions): Tensor {
  let start = 0;
  let end: number;
  let step = 1;
  let opts: TensorOptions = {};
  if (typeof b !== 'number') {
    end = a;
    opts = b ?? {};
  } else if (typeof c !== 'number') {
    start = a;
    end = b;
    opts = c ?? {};
  } else {
    start = a;
    end = b;
    step = c;
    opts = d ?? {};
  }
  const integral = [start, end, step].every(Number.isInteger);
  return finish(native.arange(start, end, step, opts.dtype ?? (integral ? 'int64' : 'float32'), deviceOf(opts)), opts);
}

export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  return finish(native.linspace(start, end, steps, opts.dtype, deviceOf(opts)), opts);
}
export function eye(n: number, m = n, opts: TensorOptions = {}): Tensor {
  return finish(native.eye(n, m, opts.dtype, deviceOf(opts)), opts);
}

const like = (t: Tensor, opts: TensorOptions): TensorOptions => ({ dtype: opts.dtype ?? t.dtype, device: opts.device ?? t.device, requiresGrad: opts.requiresGrad });

export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return zeros(t.shape, like(t, opts));
}
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return ones(t.shape, like(t, opts));
}
export function fullLike(t: Tensor, value: Scalar, opts: TensorOptions = {}): Tensor {
  return full(t.shape, value, like(t, opts));
}
export function randnLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return randn(t.shape, like(t, opts));
}
export function randLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return rand(t.shape, like(t, opts));
}
