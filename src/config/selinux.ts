// podman's z and Z (a volume's relabel=shared|private) give the source an SELinux label the
// container may use. ctrmon sets no labels: where SELinux is off or permissive they change nothing
// and are accepted, as a file written for podman has them; where it enforces, the container could
// not read the source, so they are refused, saying what to do.
import { readFileSync } from 'node:fs';

import { badOption } from './parse';

const ENFORCE_FILE = '/sys/fs/selinux/enforce';

export function selinuxEnforcing(enforceFile = ENFORCE_FILE): boolean {
  try {
    return readFileSync(enforceFile, 'utf8').trim() === '1';
  } catch {
    return false; // no selinuxfs: SELinux is off
  }
}

/** Accepts a relabel option where SELinux does not enforce; refuses it where it does. */
export function checkRelabel(option: string, value: string, enforceFile = ENFORCE_FILE): void {
  if (selinuxEnforcing(enforceFile)) {
    throw badOption(
      option,
      value,
      'z and Z ask for an SELinux relabel, which ctrmon does not do, and SELinux enforces here: ' +
        'label the source for containers yourself (chcon -t container_file_t) and drop the option',
    );
  }
}
