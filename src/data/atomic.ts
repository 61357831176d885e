/** Atomic file replacement: write beside the target, then rename over it (readers never see half a file). */
import fs from 'node:fs';
import path from 'node:path';

/** Runs `write(tmpPath)` and renames the result to `target`; the temporary file is removed on failure. */
export function replaceAtomically(target: string, write: (tmpPath: string) => void): void {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    write(tmp);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  replaceAtomically(target, (tmp) => fs.writeFileSync(tmp, data));
}
