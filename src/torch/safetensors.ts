/**
 * safetensors files (the Hugging Face format PyTorch tools read): 8-byte little-endian header
 * length, a JSON header { name: { dtype, shape, data_offsets }, __metadata__: { str: str } },
 * then the raw little-endian tensor bytes. Written atomically; every read error names the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import { native } from './native.ts';
import { Tensor } from './tensor.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { bytesPerElement, type Device, type DType } from './dtype.ts';

const CODES: Record<DType, string> = {
  float32: 'F32',
  float64: 'F64',
  int64: 'I64',
  bool: 'BOOL',
  int32: 'I32',
  uint8: 'U8',
  float16: 'F16',
  bfloat16: 'BF16',
};
const FROM_CODE: Record<string, DType> = Object.fromEntries(Object.entries(CODES).map(([d, c]) => [c, d as DType]));

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function checkHost(): void {
  if (os.endianness() !== 'LE') throw new Error('safetensors: big-endian hosts are not supported');
}

/** Writes tensors (any device; stored as CPU bytes) and string metadata to `file`, atomically. */
export function saveSafetensors(file: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  checkHost();
  const header: Record<string, unknown> = {};
  const meta: Record<string, string> = { format: 'pt', ...metadata };
  for (const [k, v] of Object.entries(meta)) if (typeof v !== 'string') throw new TypeError(`safetensors metadata '${k}' must be a string`);
  header.__metadata__ = meta;
  const buffers: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new Error(`safetensors: '__metadata__' cannot name a tensor (${file})`);
    const bytes = new Uint8Array(native.toArrayBuffer(t.handle) as ArrayBuffer);
    header[name] = { dtype: CODES[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    offset += bytes.byteLength;
    buffers.push(bytes);
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // align the data to 8 bytes
  const headerBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  writeFileAtomic(file, [len, headerBytes, ...buffers]);
}

export interface LoadedSafetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/**
 * Reads a safetensors file into new tensors (in the current tidy scope, like any op result).
 * Checks the header, dtypes, shapes and byte ranges; errors name the file.
 */
export function loadSafetensors(file: string, opts: { device?: Device } = {}): LoadedSafetensors {
  checkHost();
  const fail = (msg: string): never => {
    throw new Error(`${file}: ${msg}`);
  };
  if (!fs.existsSync(file)) fail('no such file');
  const buf = fs.readFileSync(file);
  if (buf.byteLength < 8) fail(`truncated safetensors file (${buf.byteLength} bytes, no header length)`);
  const headerLen = Number(buf.readBigUInt64LE(0));
  if (headerLen > buf.byteLength - 8) fail(`truncated safetensors file (header says ${headerLen} bytes, file has ${buf.byteLength - 8} after the length)`);
  if (headerLen > 100_000_000) fail(`safetensors header too large (${headerLen} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    return fail(`malformed safetensors header (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('malformed safetensors header (not an object)');
  const dataStart = 8 + headerLen;
  const dataLen = buf.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const rawMeta = header.__metadata__;
  if (rawMeta !== undefined) {
    if (typeof rawMeta !== 'object' || rawMeta === null) fail('malformed __metadata__');
    for (const [k, v] of Object.entries(rawMeta as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
      metadata[k] = v as string;
    }
  }
  const entries: Array<[string, HeaderEntry]> = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = raw as HeaderEntry;
    if (typeof e !== 'object' || e === null || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) {
      fail(`malformed header entry for tensor '${name}'`);
    }
    const dtype = FROM_CODE[e.dtype];
    if (dtype === undefined) fail(`tensor '${name}' has unsupported dtype ${e.dtype}`);
    if (!e.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor '${name}' has an invalid shape ${JSON.stringify(e.shape)}`);
    const [begin, end] = e.data_offsets;
    const numel = e.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin) fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(e.data_offsets)}`);
    if (end - begin !== numel * bytesPerElement(dtype!)) {
      fail(`tensor '${name}': ${end - begin} bytes for shape [${e.shape.join(', ')}] ${dtype} (needs ${numel * bytesPerElement(dtype!)})`);
    }
    if (end > dataLen) fail(`truncated safetensors file: tensor '${name}' needs bytes up to ${end}, data has ${dataLen}`);
    entries.push([name, e]);
  }
  const tensors: Record<string, Tensor> = {};
  try {
    for (const [name, e] of entries) {
      const [begin, end] = e.data_offsets;
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset + dataStart + begin, end - begin);
      const t = new Tensor(native.fromTypedArray(bytes, e.shape, FROM_CODE[e.dtype], undefined, opts.device));
      tensors[name] = t;
    }
  } catch (err) {
    for (const t of Object.values(tensors)) t.dispose();
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  return { tensors, metadata };
}
