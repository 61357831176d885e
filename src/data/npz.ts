/**
 * `.npz` archives (what `np.savez` / `np.savez_compressed` write): a ZIP whose `<key>.npy` members
 * are arrays. Members that are not `.npy` (our `metadata.json`) come back as bytes, as `np.load` does.
 */
import { replaceAtomically } from '../torch/atomic-write.ts';
import { decodeNpy, encodeNpy, type NpyArray, type NpyTypedArray } from './npy.ts';
import { ZipReader, writeZip, type ZipMemberInput } from './zip.ts';

/** An open `.npz`; arrays are read on demand. `close()` it when done. */
export class NpzFile {
  private constructor(private zip: ZipReader) {}

  static open(path: string): NpzFile {
    return new NpzFile(ZipReader.open(path));
  }

  get path(): string {
    return this.zip.path;
  }

  /** Array keys (member names without `.npy`), in archive order. */
  get keys(): string[] {
    return this.zip.entries.filter((e) => e.name.endsWith('.npy')).map((e) => e.name.slice(0, -4));
  }

  has(key: string): boolean {
    return this.zip.entry(`${key}.npy`) !== undefined;
  }

  /** Decodes array `key`; throws naming the file and key when it is missing or malformed. */
  array(key: string, opts: { verifyCrc?: boolean } = {}): NpyArray {
    const entry = this.zip.entry(`${key}.npy`);
    if (!entry) throw new Error(`${this.path}: missing key '${key}' (has ${this.keys.map((k) => `'${k}'`).join(', ') || 'no arrays'})`);
    return decodeNpy(this.zip.read(entry, opts), `${this.path}: key '${key}'`);
  }

  /** A non-array member's bytes (e.g. `metadata.json`), or undefined. */
  bytes(name: string): Buffer | undefined {
    const entry = this.zip.entry(name);
    return entry ? this.zip.read(entry) : undefined;
  }

  /** Raw stored bytes of array `key` (its whole `.npy`), for checksums. */
  npyBytes(key: string, opts: { verifyCrc?: boolean } = {}): Buffer {
    const entry = this.zip.entry(`${key}.npy`);
    if (!entry) throw new Error(`${this.path}: missing key '${key}'`);
    return this.zip.read(entry, opts);
  }

  close(): void {
    this.zip.close();
  }
}

export interface NpzArrayInput {
  dtype: string;
  shape: readonly number[];
  data: NpyTypedArray;
}

/** `.npy` member bytes of each array, as written (header + payload chunks). */
export function npyChunks(arrays: Record<string, NpzArrayInput>): Map<string, Uint8Array[]> {
  return new Map(Object.entries(arrays).map(([k, a]) => [k, encodeNpy(a)]));
}

/** Writes an uncompressed `.npz` atomically: `arrays` as `<key>.npy`, `extra` as raw members. */
export function writeNpz(path: string, arrays: Record<string, NpzArrayInput>, extra: Record<string, Uint8Array> = {}): void {
  const members: ZipMemberInput[] = [];
  for (const [key, chunks] of npyChunks(arrays)) members.push({ name: `${key}.npy`, chunks });
  for (const [name, bytes] of Object.entries(extra)) members.push({ name, chunks: [bytes] });
  replaceAtomically(path, (tmp) => writeZip(tmp, members));
}
