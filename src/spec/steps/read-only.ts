// --read-only: the root filesystem read-only; with --read-only-tmpfs (podman's default), a writable
// tmpfs on /tmp, /var/tmp and /run where nothing is mounted yet, as podman 4 mounts them (/dev and
// /dev/shm are tmpfs already), and where the rootfs has the directory: the runtime would make a
// missing one in the rootfs, and a bundle's is never modified. Not given, the config's
// root.readonly stands (a bundle's own).
import { existsSync } from 'node:fs';
import * as path from 'node:path';

import { type RuntimeSpec, mountsOf } from '../oci';

export const READ_ONLY_TMPFS_DIRS = ['/tmp', '/var/tmp', '/run'];
const TMPFS_OPTIONS = ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'];

export interface ReadOnlyInputs {
  readOnly?: boolean;
  readOnlyTmpfs?: boolean;
}

export function applyReadOnly(spec: RuntimeSpec, { readOnly, readOnlyTmpfs = true }: ReadOnlyInputs): void {
  if (readOnly === undefined) return;
  spec.config.root = { ...spec.config.root, readonly: readOnly };
  if (!readOnly || !readOnlyTmpfs) return;
  const mounts = mountsOf(spec.config);
  for (const destination of READ_ONLY_TMPFS_DIRS) {
    if (!mounts.some((m) => m.destination === destination) && existsSync(path.join(spec.config.root.path, destination)))
      mounts.push({ destination, type: 'tmpfs', source: 'tmpfs', options: [...TMPFS_OPTIONS] });
  }
}
