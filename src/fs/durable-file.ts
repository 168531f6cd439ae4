// Replacing a file so that a crash, of the process or of the machine, leaves the old content or the
// new, never a part of either (containerd's content store pattern): write a temporary name beside
// it, fsync it, rename it over the old one, fsync the directory. Errors are the system's own; each
// caller names them in its own words.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Names of these temporary files: `<final name>.<pid>.tmp` (a recovery removes them once their writer is gone). */
export const TEMP_SUFFIX = /\.(\d+)\.tmp$/;

export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** `durable: false` skips both fsyncs, for a file that means nothing after a crash of the machine. */
export function replaceFile(file: string, data: string | Buffer, durable = true): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeFileSync(fd, data);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    if (durable) fsyncDirectory(path.dirname(file));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
