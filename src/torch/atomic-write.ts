/** Writes a file atomically: a temporary file in the same folder, fsync, then rename over the target. */
import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(file: string, chunks: Uint8Array | string | Array<Uint8Array | string>): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const c of Array.isArray(chunks) ? chunks : [chunks]) {
      if (typeof c === 'string') fs.writeSync(fd, c);
      else fs.writeSync(fd, c);
    }
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}
