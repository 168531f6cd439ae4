// A container name belongs to one live monitor. Within a state directory the claim is an flock on
// <state-dir>/<name>/monitor.lock, held for the monitor's life and dropped by the kernel when it
// dies. Across state directories the runtime's own container list is shared (ids are global per
// runtime root), so a container that already exists is checked the same way: through the lock in
// the directory its bundle came from.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError } from '../errors';
import { FileLock, type SystemError } from '../native';
import { lockHolder, lockWithPid } from '../process/pid-lock';
import { stateError } from './directory';

const LOCK_FILE = 'monitor.lock';

function inUse(name: string, lockFile: string): CtrmonError {
  const holder = lockHolder(lockFile);
  const by = holder === null ? '' : ` by ctrmon pid ${holder}`;
  return new CtrmonError('ERR_NAME_IN_USE', `container name "${name}" is in use${by} (${lockFile})`, { name, path: lockFile });
}

/** Claims the name in containerDir for this process; throws ERR_NAME_IN_USE when a live monitor has it. */
export function claimName(name: string, containerDir: string): FileLock {
  const file = path.join(containerDir, LOCK_FILE);
  let lock: FileLock | null;
  try {
    lock = lockWithPid(file);
  } catch (err) {
    throw stateError('lock', file, err);
  }
  if (lock === null) throw inUse(name, file);
  return lock;
}

/**
 * Throws ERR_NAME_IN_USE when the runtime container whose bundle is bundleDir belongs to another
 * live monitor: a ctrmon-derived bundle lies in <state-dir>/<name>/bundle, beside that monitor's lock.
 */
export function checkOwner(name: string, bundleDir: string, ownContainerDir: string): void {
  const ownerDir = path.dirname(bundleDir);
  if (path.resolve(ownerDir) === path.resolve(ownContainerDir)) return; // ours, left by a crashed run
  const file = path.join(ownerDir, LOCK_FILE);
  if (!existsSync(file)) return; // not a monitor's bundle, or its directory is gone: a leftover
  let lock: FileLock;
  try {
    lock = new FileLock(file);
  } catch (err) {
    if ((err as SystemError).code === 'EWOULDBLOCK' || (err as SystemError).code === 'EAGAIN') throw inUse(name, file);
    return; // unreadable: nobody can hold it either
  }
  lock.release();
}
