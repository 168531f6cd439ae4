// An flock on a file that also names its holder: the pid is written into the file, so that the
// error of a process that finds it held can say who holds it. The kernel drops the lock when the
// holder dies, however it dies.
import { readFileSync, writeFileSync } from 'node:fs';

import { FileLock, type SystemError } from '../native';

/** The lock, with this process's pid in the file; null when another process holds it. Other failures throw. */
export function lockWithPid(file: string): FileLock | null {
  let lock: FileLock;
  try {
    lock = new FileLock(file);
  } catch (err) {
    const code = (err as SystemError).code;
    if (code === 'EWOULDBLOCK' || code === 'EAGAIN') return null;
    throw err;
  }
  try {
    writeFileSync(file, `${process.pid}\n`);
  } catch (err) {
    lock.release();
    throw err;
  }
  return lock;
}

/** The pid written in a lock file, or null when there is none. */
export function lockHolder(file: string): number | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}
