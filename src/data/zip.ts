/**
 * Just enough ZIP for `.npz` files: reading stored and deflated members (with ZIP64, which numpy
 * writes), and writing stored members. Each member is read into its own buffer, so array payloads
 * can be viewed in place. Hand-written because the npm zip readers are stream-based and copy.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;

export class ZipFormatError extends Error {}

export interface ZipEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  flags: number;
}

function readAt(fd: number, position: number, length: number, into?: Buffer): Buffer {
  const buf = into ?? Buffer.allocUnsafeSlow(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, Math.min(length - done, 1 << 30), position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** An open ZIP file; `close()` it when done. */
export class ZipReader {
  readonly entries: ZipEntry[];
  private constructor(
    readonly path: string,
    private fd: number,
    readonly fileSize: number,
    entries: ZipEntry[],
  ) {
    this.entries = entries;
  }

  static open(path: string): ZipReader {
    const fd = fs.openSync(path, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      return new ZipReader(path, fd, size, readCentralDirectory(fd, size, path));
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  entry(name: string): ZipEntry | undefined {
    return this.entries.find((e) => e.name === name);
  }

  /** The member's uncompressed bytes in a buffer of their own (offset 0 of its ArrayBuffer). */
  read(entry: ZipEntry, opts: { verifyCrc?: boolean } = {}): Buffer {
    const where = `${this.path}: member '${entry.name}'`;
    if (entry.flags & 1) throw new ZipFormatError(`${where} is encrypted`);
    if (entry.localHeaderOffset + 30 > this.fileSize) throw new ZipFormatError(`${where}: local header beyond end of file (truncated?)`);
    const local = readAt(this.fd, entry.localHeaderOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== SIG_LOCAL) throw new ZipFormatError(`${where}: bad local header (corrupt file)`);
    const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (dataStart + entry.compressedSize > this.fileSize) {
      throw new ZipFormatError(`${where} is truncated (needs ${dataStart + entry.compressedSize - this.fileSize} more bytes)`);
    }
    let out: Buffer;
    if (entry.method === 0) {
      out = readAt(this.fd, dataStart, entry.compressedSize);
    } else if (entry.method === 8) {
      const packed = readAt(this.fd, dataStart, entry.compressedSize);
      try {
        out = zlib.inflateRawSync(packed);
      } catch (err) {
        throw new ZipFormatError(`${where}: corrupt deflate data (${(err as Error).message})`);
      }
      if (out.byteOffset % 8 !== 0) out = Buffer.from(out);
    } else {
      throw new ZipFormatError(`${where}: compression method ${entry.method} is not supported (use np.savez or np.savez_compressed)`);
    }
    if (out.length !== entry.size) throw new ZipFormatError(`${where}: expected ${entry.size} bytes, got ${out.length} (corrupt or truncated)`);
    if ((opts.verifyCrc ?? true) && (zlib.crc32(out) >>> 0) !== entry.crc32) throw new ZipFormatError(`${where}: CRC-32 mismatch (corrupt data)`);
    return out;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function readCentralDirectory(fd: number, size: number, path: string): ZipEntry[] {
  const notZip = `${path}: not a zip/npz file or truncated (no end-of-central-directory record)`;
  if (size < 22) throw new ZipFormatError(notZip);
  const tailLen = Math.min(size, 22 + MAX16);
  const tail = readAt(fd, size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError(notZip);
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === MAX16 || cdSize === MAX32 || cdOffset === MAX32) {
    const loc = eocd - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== SIG_EOCD64_LOCATOR) throw new ZipFormatError(`${path}: ZIP64 locator missing (corrupt file)`);
    const rec64Offset = Number(tail.readBigUInt64LE(loc + 8));
    const rec = readAt(fd, rec64Offset, 56);
    if (rec.length < 56 || rec.readUInt32LE(0) !== SIG_EOCD64) throw new ZipFormatError(`${path}: bad ZIP64 end record (corrupt file)`);
    count = Number(rec.readBigUInt64LE(32));
    cdSize = Number(rec.readBigUInt64LE(40));
    cdOffset = Number(rec.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > size) throw new ZipFormatError(`${path}: central directory beyond end of file (truncated)`);
  const cd = readAt(fd, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) throw new ZipFormatError(`${path}: corrupt central directory (entry ${i})`);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc32 = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let usize = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    // ZIP64 extra field: the 64-bit values of the fields that read 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (usize === MAX32) (usize = Number(cd.readBigUInt64LE(q))), (q += 8);
        if (compressedSize === MAX32) (compressedSize = Number(cd.readBigUInt64LE(q))), (q += 8);
        if (localHeaderOffset === MAX32) localHeaderOffset = Number(cd.readBigUInt64LE(q));
      }
      e += 4 + len;
    }
    entries.push({ name, method, crc32, compressedSize, size: usize, localHeaderOffset, flags });
    p = extraEnd + commentLen;
  }
  return entries;
}

export interface ZipMemberInput {
  name: string;
  /** The member's bytes as consecutive chunks (written without copying). */
  chunks: Uint8Array[];
}

/**
 * Writes a ZIP of stored (uncompressed) members to `path`, with ZIP64 records where sizes or offsets
 * need them (`forceZip64` writes them everywhere; tests use it to exercise the > 4 GiB format).
 */
export function writeZip(path: string, members: ZipMemberInput[], opts: { forceZip64?: boolean } = {}): void {
  const force = opts.forceZip64 ?? false;
  const fd = fs.openSync(path, 'w');
  try {
    let offset = 0;
    const write = (b: Uint8Array): void => {
      let done = 0;
      while (done < b.byteLength) done += fs.writeSync(fd, b, done, b.byteLength - done);
      offset += b.byteLength;
    };
    const central: Buffer[] = [];
    for (const m of members) {
      const name = Buffer.from(m.name, 'utf8');
      const size = m.chunks.reduce((s, c) => s + c.byteLength, 0);
      let crc = 0;
      for (const c of m.chunks) crc = zlib.crc32(c, crc);
      crc >>>= 0;
      const headerOffset = offset;
      const big = force || size >= MAX32;
      const local = Buffer.alloc(30);
      local.writeUInt32LE(SIG_LOCAL, 0);
      local.writeUInt16LE(big ? 45 : 20, 4);
      local.writeUInt16LE(0x800, 6); // names are UTF-8
      local.writeUInt16LE(0, 8); // stored
      local.writeUInt16LE(0, 10); // time 00:00
      local.writeUInt16LE(0x21, 12); // date 1980-01-01 (fixed: identical data gives identical files)
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(big ? MAX32 : size, 18);
      local.writeUInt32LE(big ? MAX32 : size, 22);
      local.writeUInt16LE(name.length, 26);
      const localExtra = big ? zip64Extra([size, size]) : Buffer.alloc(0);
      local.writeUInt16LE(localExtra.length, 28);
      write(local);
      write(name);
      write(localExtra);
      for (const c of m.chunks) write(c);

      const fields: number[] = [];
      if (big) fields.push(size, size);
      const farHeader = force || headerOffset >= MAX32;
      if (farHeader) fields.push(headerOffset);
      const extra = fields.length ? zip64Extra(fields) : Buffer.alloc(0);
      const cd = Buffer.alloc(46);
      cd.writeUInt32LE(SIG_CENTRAL, 0);
      cd.writeUInt16LE(fields.length ? 45 : 20, 4);
      cd.writeUInt16LE(fields.length ? 45 : 20, 6);
      cd.writeUInt16LE(0x800, 8);
      cd.writeUInt16LE(0, 10);
      cd.writeUInt16LE(0, 12);
      cd.writeUInt16LE(0x21, 14);
      cd.writeUInt32LE(crc, 16);
      cd.writeUInt32LE(big ? MAX32 : size, 20);
      cd.writeUInt32LE(big ? MAX32 : size, 24);
      cd.writeUInt16LE(name.length, 28);
      cd.writeUInt16LE(extra.length, 30);
      cd.writeUInt32LE(0o644 << 16, 38);
      cd.writeUInt32LE(farHeader ? MAX32 : headerOffset, 42);
      central.push(cd, name, extra);
    }
    const cdOffset = offset;
    for (const b of central) write(b);
    const cdSize = offset - cdOffset;
    const need64 = force || members.length >= MAX16 || cdOffset >= MAX32 || cdSize >= MAX32;
    if (need64) {
      const rec64Offset = offset;
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(SIG_EOCD64, 0);
      rec.writeBigUInt64LE(44n, 4);
      rec.writeUInt16LE(45, 12);
      rec.writeUInt16LE(45, 14);
      rec.writeBigUInt64LE(BigInt(members.length), 24);
      rec.writeBigUInt64LE(BigInt(members.length), 32);
      rec.writeBigUInt64LE(BigInt(cdSize), 40);
      rec.writeBigUInt64LE(BigInt(cdOffset), 48);
      write(rec);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(SIG_EOCD64_LOCATOR, 0);
      loc.writeBigUInt64LE(BigInt(rec64Offset), 8);
      loc.writeUInt32LE(1, 16);
      write(loc);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(SIG_EOCD, 0);
    end.writeUInt16LE(need64 ? MAX16 : members.length, 8);
    end.writeUInt16LE(need64 ? MAX16 : members.length, 10);
    end.writeUInt32LE(need64 ? MAX32 : cdSize, 12);
    end.writeUInt32LE(need64 ? MAX32 : cdOffset, 16);
    write(end);
  } finally {
    fs.closeSync(fd);
  }
}

function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}
