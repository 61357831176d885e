/**
 * Atomic file replacement, the one writer of the project: write a temporary file beside the target,
 * fsync it, rename it over the target. Readers never see half a file, and a crash never leaves one.
 */
import fs from 'node:fs';
import path from 'node:path';

function tmpName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.tmp`);
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs `write(tmpPath)` (which creates the file), fsyncs it and renames it to `target`; the temporary file is removed on failure. */
export function replaceAtomically(target: string, write: (tmpPath: string) => void): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tmpName(target);
  try {
    write(tmp);
    fsyncFile(tmp);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeFileAtomic(file: string, chunks: Uint8Array | string | Array<Uint8Array | string>): void {
  replaceAtomically(file, (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      for (const c of Array.isArray(chunks) ? chunks : [chunks]) {
        if (typeof c === 'string') fs.writeSync(fd, c);
        else fs.writeSync(fd, c);
      }
    } finally {
      fs.closeSync(fd);
    }
  });
}
