// flock-based locks of the image store (FileLock: held by this process until released or until it
// dies, however it dies, so a lock is never stale). Waiting is a poll with a short sleep, bounded
// by a timeout that ends in ERR_STORE_LOCKED naming the lock and its holder's pid.

import { CtrmonError } from '../../errors';
import type { FileLock } from '../../native';
import { lockHolder, lockWithPid } from '../../process/pid-lock';
import { storeError } from './files';

export interface LockWait {
  /** How long to wait for another holder; 0 tries once. */
  timeoutMs: number;
  pollMs?: number;
}

const DEFAULT_POLL_MS = 20;

/** The lock, or null when another holder has it. */
export function tryLock(file: string): FileLock | null {
  try {
    return lockWithPid(file);
  } catch (err) {
    throw storeError('lock', file, err);
  }
}

function holder(file: string): string {
  const pid = lockHolder(file);
  return pid === null ? '' : `, held by pid ${pid}`;
}

/**
 * Waits for the lock; what names it in the error ("the image store", "blob sha256:..."). With
 * guard (the store lock's file), each attempt is made while holding the guard, so that nobody
 * removing lock files under the guard can do it between this process's open() and flock().
 */
export async function acquireLock(file: string, what: string, wait: LockWait, guard?: string): Promise<FileLock> {
  const deadline = Date.now() + wait.timeoutMs;
  for (;;) {
    const guardLock = guard === undefined ? null : tryLock(guard);
    let lock: FileLock | null = null;
    if (guard === undefined || guardLock !== null) {
      try {
        lock = tryLock(file);
      } finally {
        guardLock?.release();
      }
    }
    if (lock) return lock;
    if (Date.now() >= deadline) {
      throw new CtrmonError(
        'ERR_STORE_LOCKED',
        `image store: ${what} is locked by another process (${file}${holder(file)}); gave up after ${wait.timeoutMs} ms`,
        { path: file },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs ?? DEFAULT_POLL_MS));
  }
}
