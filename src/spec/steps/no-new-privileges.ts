// --security-opt no-new-privileges: process.noNewPrivileges, so that no setuid binary or file
// capability gives the container's processes more than they start with.
import type { RuntimeSpec } from '../oci';

export interface NoNewPrivilegesInputs {
  /** Undefined: the config's own stands. */
  noNewPrivileges?: boolean;
}

export function applyNoNewPrivileges(spec: RuntimeSpec, { noNewPrivileges }: NoNewPrivilegesInputs): void {
  if (noNewPrivileges !== undefined) spec.config.process.noNewPrivileges = noNewPrivileges;
}
