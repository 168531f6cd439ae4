// --ulimit: process.rlimits, each replacing the config's own limit of the same resource.
import type { RuntimeSpec } from '../oci';

/** A limit of -1, as podman writes it: no limit (the kernel's RLIM_INFINITY, 2^64-1, which writeBundle writes exactly). */
export const RLIM_UNLIMITED = -1;

export interface Rlimit {
  /** RLIMIT_NOFILE ... */
  type: string;
  /** A whole number, or RLIM_UNLIMITED. */
  soft: number;
  hard: number;
}

export interface RlimitsInputs {
  ulimits: Rlimit[];
}

export function applyRlimits(spec: RuntimeSpec, { ulimits }: RlimitsInputs): void {
  if (!ulimits.length) return;
  const process = spec.config.process;
  const given = new Set(ulimits.map((u) => u.type));
  const own = ((process.rlimits ?? []) as Rlimit[]).filter((r) => !given.has(r.type));
  process.rlimits = [...own, ...ulimits];
}
