// --network: host shares the host's network namespace (no namespace of the container's own; /sys
// bound from the host, since a fresh sysfs needs a network namespace of its own; the host's
// resolv.conf and hosts bound read-only) or none (a new network namespace with only lo, and a
// sysfs of its own that shows only that). Not given, a bundle keeps its own namespaces; an image's
// default is host.
import { existsSync } from 'node:fs';

import { type OciMount, type RuntimeSpec, isBindMount, mountsOf } from '../oci';

export const NETWORK_MODES = ['host', 'none'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export const SYSFS_MOUNT: OciMount = { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] };
export const HOST_SYS_MOUNT: OciMount = {
  destination: '/sys',
  type: 'bind',
  source: '/sys',
  options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
};
const HOST_FILES = ['/etc/resolv.conf', '/etc/hosts'];

export interface NetworkInputs {
  /** Undefined: the config's namespaces stand. */
  network?: NetworkMode;
}

export function applyNetwork(spec: RuntimeSpec, { network }: NetworkInputs): void {
  if (network === undefined) return;
  const config = spec.config;
  const namespaces = config.linux?.namespaces?.filter((n) => n.type !== 'network') ?? [];
  // none: a new namespace, also where the config joined one by path.
  if (network === 'none') namespaces.push({ type: 'network' });
  if (network === 'none' || config.linux?.namespaces) config.linux = { ...config.linux, namespaces };

  const mounts = mountsOf(config);
  // A fresh sysfs needs a network namespace of its own; the host's /sys would show the host's devices.
  const sys = mounts.findIndex((m) => m.destination === '/sys' && (network === 'host' ? m.type === 'sysfs' : isBindMount(m)));
  if (sys >= 0) mounts[sys] = structuredClone(network === 'host' ? HOST_SYS_MOUNT : SYSFS_MOUNT);
  if (network === 'host') {
    for (const file of HOST_FILES) {
      if (existsSync(file) && !mounts.some((m) => m.destination === file))
        mounts.push({ destination: file, type: 'bind', source: file, options: ['rbind', 'ro'] });
    }
  }
}
