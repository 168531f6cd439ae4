// podman's --systemd: a container that runs an init gets a machine-like environment: tmpfs on
// /run, /run/lock, /tmp and /var/log/journal (unless something is mounted there already), a
// writable cgroup mount in a cgroup namespace of its own, container_uuid, and SIGRTMIN+3 as its
// stop signal. `always` and `false` decide alone; `true` looks at the command that will run:
// /sbin/init, /usr/sbin/init, /usr/local/sbin/init, or anything named systemd, with a leading
// `/bin/sh -c` looked through. An image's default is true; a bundle gets it only when asked.
import * as path from 'node:path';

import { hasEnv } from '../env';
import { type OciMount, type RuntimeSpec, mountsOf, namespacesOf } from '../oci';
import type { Volume } from './volumes';

export const SYSTEMD_MODES = ['true', 'false', 'always'] as const;
export type SystemdMode = (typeof SYSTEMD_MODES)[number];
/** SIGRTMIN+3 as podman numbers it (glibc's SIGRTMIN is 34): systemd's "halt". */
export const SYSTEMD_STOP_SIGNAL = 37;

const INITS = new Set(['/sbin/init', '/usr/sbin/init', '/usr/local/sbin/init']);
const TMPFS_DIRS = ['/run', '/run/lock', '/tmp', '/var/log/journal'];
const CGROUP_MOUNT: OciMount = { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['private', 'rw'] };

export function systemdModeOn(mode: SystemdMode, args: string[]): boolean {
  if (mode !== 'true') return mode === 'always';
  const cmd = args.length > 2 && args[0] === '/bin/sh' && args[1] === '-c' ? args.slice(2) : args;
  return cmd.length > 0 && (INITS.has(cmd[0]) || path.basename(cmd[0]) === 'systemd');
}

export interface SystemdModeInputs {
  /** Undefined: no systemd mode. */
  systemd?: SystemdMode;
  /** Their destinations get no tmpfs. */
  volumes: Volume[];
  /** container_uuid: 32 hex digits (asked for only in systemd mode). */
  machineId: () => string;
}

export function applySystemdMode(spec: RuntimeSpec, { systemd, volumes, machineId }: SystemdModeInputs): void {
  const config = spec.config;
  spec.systemdMode = systemd !== undefined && systemdModeOn(systemd, config.process.args);
  if (!spec.systemdMode) return;
  if (!hasEnv(config, 'container_uuid')) config.process.env = [...(config.process.env ?? []), `container_uuid=${machineId()}`];
  const mounts = mountsOf(config);
  const taken = new Set([...mounts, ...volumes].map((m) => m.destination));
  for (const destination of TMPFS_DIRS.filter((d) => !taken.has(d)))
    mounts.push({ destination, type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'] });
  const cgroup = mounts.findIndex((m) => m.destination === CGROUP_MOUNT.destination);
  if (cgroup >= 0) mounts[cgroup] = structuredClone(CGROUP_MOUNT);
  else mounts.push(structuredClone(CGROUP_MOUNT));
  const namespaces = namespacesOf(config);
  if (!namespaces.some((n) => n.type === 'cgroup')) namespaces.push({ type: 'cgroup' });
}
