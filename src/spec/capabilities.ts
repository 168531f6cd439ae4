// Linux capabilities by name, as podman takes them (--cap-add/--cap-drop): any case, with or
// without CAP_, or `all`; and the bounding set ctrmon runs with, which `all` stands for.
import { readFileSync } from 'node:fs';

import { CtrmonError } from '../errors';

/** The capabilities in the order of their numbers (linux/capability.h). */
export const CAPABILITY_NAMES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** What `all` is written as once normalised. */
export const ALL_CAPABILITIES = 'ALL';

/** CAP_NAME for a name in any case, with or without CAP_; `all` is ALL. */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === ALL_CAPABILITIES) return upper;
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!CAPABILITY_NAMES.includes(full)) throw new CtrmonError('ERR_INVALID_OPTION', `unknown capability "${name}"`);
  return full;
}

/** The capabilities of a mask as /proc/<pid>/status writes it (hex). */
export function capabilitiesOfMask(hex: string): string[] {
  const mask = BigInt(`0x${hex}`);
  return CAPABILITY_NAMES.filter((_n, bit) => (mask >> BigInt(bit)) & 1n);
}

/** The bounding set of this process: what `all` gives, as podman's is its own. */
export function ownBoundingSet(): string[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (hex === undefined) throw new CtrmonError('ERR_INTERNAL', 'no CapBnd line in /proc/self/status');
  return capabilitiesOfMask(hex);
}

/**
 * podman's merge: base less what is dropped, plus what is added (both normalised); dropping ALL
 * leaves only what is added, adding ALL gives the bounding set; a name both added and dropped, or
 * ALL both ways, is an error. Sorted, as podman's.
 */
export function mergeCapabilities(base: string[], add: string[], drop: string[], boundingSet: () => string[]): string[] {
  const conflict = (why: string) => new CtrmonError('ERR_INVALID_OPTION', `--cap-add and --cap-drop: ${why}`);
  if (drop.includes(ALL_CAPABILITIES)) {
    if (add.includes(ALL_CAPABILITIES)) throw conflict('adding all capabilities and dropping all is not allowed');
    return [...new Set(add)].sort();
  }
  let from = base;
  let adding = add;
  if (add.includes(ALL_CAPABILITIES)) {
    from = boundingSet();
    adding = [];
  }
  const both = adding.find((c) => drop.includes(c)) ?? (add.includes(ALL_CAPABILITIES) ? undefined : drop.find((c) => add.includes(c)));
  if (both !== undefined) throw conflict(`capability ${both} cannot be dropped and added`);
  return [...new Set([...from.filter((c) => !drop.includes(c)), ...adding])].sort();
}
