/**
 * The NumPy `.npy` format (versions 1.0-3.0): a magic string, a Python-literal header
 * (`{'descr': '<f4', 'fortran_order': False, 'shape': (N, 39), }`) padded to a multiple of 64 bytes,
 * then the raw little-endian array. Decoding returns a typed-array view of the payload, not a copy.
 */

export type NpyTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface NpyArray {
  /** NumPy type string, normalised to little-endian or `|` (`<f4`, `|b1`, `<i8`, `<f2` ...). */
  dtype: string;
  shape: number[];
  /** Row-major (C order) data. float16 arrives widened to Float32Array; bool as Uint8Array (0/1). */
  data: NpyTypedArray;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ALIGN = 64;

type Ctor = { new (buf: ArrayBufferLike, offset: number, length: number): NpyTypedArray; BYTES_PER_ELEMENT: number };

const CTORS: Record<string, Ctor> = {
  '<f4': Float32Array,
  '<f8': Float64Array,
  '|i1': Int8Array,
  '|u1': Uint8Array,
  '|b1': Uint8Array,
  '<i2': Int16Array,
  '<u2': Uint16Array,
  '<i4': Int32Array,
  '<u4': Uint32Array,
  '<i8': BigInt64Array,
  '<u8': BigUint64Array,
};

/** Thrown for bytes that are not a well-formed `.npy` array; `where` names the file and member. */
export class NpyFormatError extends Error {}

/** Normalises `=f4`/`<f4`/`f4`/`|u1`/`<b1` spellings; returns undefined for big-endian multi-byte types. */
function normaliseDescr(descr: string): string | undefined {
  const m = /^([<>=|]?)([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) return undefined;
  const [, order, kind, size] = m;
  if (size === '1') return `|${kind}1`;
  if (order === '>') return undefined;
  return `<${kind}${size}`;
}

export interface NpyHeader {
  dtype: string;
  fortranOrder: boolean;
  shape: number[];
  /** Bytes from the start of the `.npy` data to the first array element. */
  dataOffset: number;
}

/** Parses the header of `.npy` bytes. `where` names the source in error messages. */
export function parseNpyHeader(bytes: Uint8Array, where: string): NpyHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new NpyFormatError(`${where}: not a .npy array (bad magic)`);
  const major = buf[6];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new NpyFormatError(`${where}: truncated .npy header`);
    headerLen = buf.readUInt32LE(8);
    start = 12;
  } else {
    throw new NpyFormatError(`${where}: unsupported .npy format version ${major}.${buf[7]}`);
  }
  if (start + headerLen > buf.length) throw new NpyFormatError(`${where}: truncated .npy header`);
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr) {
    if (/'descr'\s*:\s*\[/.test(header)) throw new NpyFormatError(`${where}: structured dtypes are not supported`);
    throw new NpyFormatError(`${where}: malformed .npy header (no 'descr'): ${header.trim()}`);
  }
  if (!fortran || !shape) throw new NpyFormatError(`${where}: malformed .npy header: ${header.trim()}`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(n) || n < 0) throw new NpyFormatError(`${where}: bad shape entry '${s}' in .npy header`);
      return n;
    });
  return { dtype: descr[1], fortranOrder: fortran[1] === 'True', shape: dims, dataOffset: start + headerLen };
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function float16ToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** Reverses Fortran order for 1-D/2-D arrays (after dropping size-1 axes, which does not move data). */
function fortranToC(arr: NpyArray, where: string): NpyArray {
  const dims = arr.shape.filter((d) => d !== 1);
  if (dims.length <= 1) return arr;
  if (dims.length > 2) throw new NpyFormatError(`${where}: Fortran-ordered arrays with more than 2 dimensions are not supported`);
  const [rows, cols] = dims;
  const Ctor = arr.data.constructor as new (n: number) => NpyTypedArray;
  const out = new Ctor(arr.data.length);
  const src = arr.data as unknown as number[];
  const dst = out as unknown as number[];
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) dst[r * cols + c] = src[c * rows + r];
  return { ...arr, data: out };
}

/**
 * Decodes `.npy` bytes. The result views `bytes` when the payload is aligned for its element type,
 * otherwise it is copied once.
 */
export function decodeNpy(bytes: Uint8Array, where: string): NpyArray {
  const h = parseNpyHeader(bytes, where);
  const raw = h.dtype;
  const dtype = normaliseDescr(raw);
  if (dtype === undefined) throw new NpyFormatError(`${where}: unsupported dtype '${raw}' (little-endian numeric or bool arrays only)`);
  const count = product(h.shape);
  const isHalf = dtype === '<f2';
  const Ctor = isHalf ? Uint16Array : CTORS[dtype];
  if (!Ctor) throw new NpyFormatError(`${where}: unsupported dtype '${raw}' (little-endian numeric or bool arrays only)`);
  const need = count * Ctor.BYTES_PER_ELEMENT;
  const have = bytes.byteLength - h.dataOffset;
  if (have < need) {
    throw new NpyFormatError(`${where}: truncated array data (shape (${h.shape.join(', ')}) ${raw} needs ${need} bytes, found ${have})`);
  }
  const absOffset = bytes.byteOffset + h.dataOffset;
  let data: NpyTypedArray;
  if (absOffset % Ctor.BYTES_PER_ELEMENT === 0) {
    data = new (Ctor as Ctor)(bytes.buffer, absOffset, count);
  } else {
    const copy = new Uint8Array(need);
    copy.set(bytes.subarray(h.dataOffset, h.dataOffset + need));
    data = new (Ctor as Ctor)(copy.buffer, 0, count);
  }
  let arr: NpyArray = { dtype, shape: h.shape, data };
  if (isHalf) arr = { dtype, shape: h.shape, data: float16ToFloat32(data as Uint16Array) };
  if (h.fortranOrder) arr = fortranToC(arr, where);
  return arr;
}

/** The `.npy` header for an array of `dtype` and `shape` (version 1.0, padded to 64 bytes). */
export function encodeNpyHeader(dtype: string, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 4 + dict.length + 1;
  const total = Math.ceil(unpadded / ALIGN) * ALIGN;
  if (total - 10 > 0xffff) throw new Error(`npy header too long for shape (${shape.join(', ')})`);
  dict = dict + ' '.repeat(total - unpadded) + '\n';
  const out = Buffer.alloc(total);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(dict.length, 8);
  out.write(dict, 10, 'latin1');
  return out;
}

/** The type string a typed array is written as (`bool` writes a Uint8Array as `|b1`). */
export function dtypeOf(data: NpyTypedArray, bool = false): string {
  if (bool) {
    if (!(data instanceof Uint8Array)) throw new Error('bool arrays must be Uint8Array');
    return '|b1';
  }
  for (const [d, C] of Object.entries(CTORS)) if (d !== '|b1' && data instanceof (C as unknown as Function)) return d;
  throw new Error(`no .npy dtype for ${data.constructor.name}`);
}

/** `.npy` bytes as chunks [header, payload] (the payload is a view, not a copy). */
export function encodeNpy(arr: { dtype: string; shape: readonly number[]; data: NpyTypedArray }): Uint8Array[] {
  const count = product([...arr.shape]);
  if (count !== arr.data.length) throw new Error(`npy: shape (${arr.shape.join(', ')}) has ${count} elements, data has ${arr.data.length}`);
  const payload = new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  return [encodeNpyHeader(arr.dtype, arr.shape), payload];
}
