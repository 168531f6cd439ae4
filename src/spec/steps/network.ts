// --network: host shares the host's network namespace (no namespace of the container's own; /sys
// bound from the host, since a fresh sysfs needs a network namespace of its own; the host's
// resolv.conf and hosts bound read-only) or none (a new network namespace with only lo, and a
// sysfs of its own that shows only that). A bridge or a named network is a namespace the monitor
// made and netavark set up (network/attachment.ts): the container joins it by path. Not given, a
// bundle keeps its own namespaces; an image's default is host. The monitor's own /etc/hosts and
// /etc/resolv.conf (network/etc-files.ts), when it wrote them, are bound over the image's.
import { existsSync } from 'node:fs';

import { type OciMount, type RuntimeSpec, isBindMount, mountsOf } from '../oci';

/** The modes that need no network of ctrmon's: any other --network names one. */
export const NETWORK_MODES = ['host', 'none'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export const SYSFS_MOUNT: OciMount = { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] };
export const HOST_SYS_MOUNT: OciMount = {
  destination: '/sys',
  type: 'bind',
  source: '/sys',
  options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
};
const HOST_FILES = { resolv: '/etc/resolv.conf', hosts: '/etc/hosts' };
const DESTINATIONS = { resolv: '/etc/resolv.conf', hosts: '/etc/hosts' };

export interface NetworkInputs {
  /** Undefined: the config's namespaces stand (unless netnsPath is given). */
  network?: NetworkMode;
  /** A network namespace made for the container, which it joins. */
  netnsPath?: string;
  /** Files the monitor wrote for the container's /etc/hosts and /etc/resolv.conf. */
  etcFiles?: Partial<Record<keyof typeof DESTINATIONS, string>>;
}

export function applyNetwork(spec: RuntimeSpec, { network, netnsPath, etcFiles = {} }: NetworkInputs): void {
  const mode = netnsPath !== undefined ? 'joined' : network;
  if (mode === undefined) return;
  const config = spec.config;
  const namespaces = config.linux?.namespaces?.filter((n) => n.type !== 'network') ?? [];
  // none: a new namespace, also where the config joined one by path.
  if (mode === 'none') namespaces.push({ type: 'network' });
  if (mode === 'joined') namespaces.push({ type: 'network', path: netnsPath });
  if (mode !== 'host' || config.linux?.namespaces) config.linux = { ...config.linux, namespaces };

  const mounts = mountsOf(config);
  // A fresh sysfs needs a network namespace of its own; the host's /sys would show the host's devices.
  const sys = mounts.findIndex((m) => m.destination === '/sys' && (mode === 'host' ? m.type === 'sysfs' : isBindMount(m)));
  if (sys >= 0) mounts[sys] = structuredClone(mode === 'host' ? HOST_SYS_MOUNT : SYSFS_MOUNT);
  for (const key of Object.keys(DESTINATIONS) as (keyof typeof DESTINATIONS)[]) {
    const source = etcFiles[key] ?? (mode === 'host' ? HOST_FILES[key] : undefined);
    const destination = DESTINATIONS[key];
    if (source === undefined || !existsSync(source)) continue;
    const at = mounts.findIndex((m) => m.destination === destination);
    if (at >= 0 && etcFiles[key] === undefined) continue; // the user's own mount wins over the host's file
    const mount = { destination, type: 'bind', source, options: ['rbind', 'ro'] };
    if (at >= 0) mounts[at] = mount;
    else mounts.push(mount);
  }
}
