// An image's config and the monitor's options as the runtime's config.json (image-spec
// conversion.md, with podman's choices where the spec leaves room):
//   args    Entrypoint ++ (the user's command, else Cmd); an Entrypoint of [""] is none
//   env     PATH default, container=ctrmon, the image's Env, HOME from passwd if unset, the user's
//   cwd     WorkingDir, else /
//   user    numbers resolved from the image's passwd/group (user.ts)
//   network host (no network namespace, the host's resolv.conf and hosts bound read-only) or none
//           (a namespace with only lo)
//   systemd podman's --systemd: an init entrypoint gets tmpfs /run, /run/lock, /tmp,
//           /var/log/journal, a writable cgroup mount in a cgroup namespace, container_uuid and
//           stop signal SIGRTMIN+3 (systemd-mode.ts decides)
// The rootfs path is the caller's (an overlay mount made per start).
import { existsSync } from 'node:fs';

import { CtrmonError } from '../../errors';
import type { OciConfig, OciMount } from '../../runtime/bundle';
import type { ImageConfig } from './image-config';
import { type SystemdMode, systemdModeOn } from './systemd-mode';
import type { ResolvedUser } from './user';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const NETWORK_MODES = ['host', 'none'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];
/** SIGRTMIN+3 as podman numbers it (glibc's SIGRTMIN is 34): systemd's "halt". */
export const SYSTEMD_STOP_SIGNAL = 37;

/** What runc's default spec hides from and makes read-only for a container. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** /dev as runc's default spec gives it: a tmpfs with ptys, shared memory and message queues. */
export const DEV_MOUNTS: readonly OciMount[] = [
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  {
    destination: '/dev/pts',
    type: 'devpts',
    source: 'devpts',
    options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
  },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
];

/** podman's default capability set. */
const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

export interface Volume {
  source: string;
  destination: string;
  readonly: boolean;
}

export interface ContainerFromImage {
  name: string;
  image: ImageConfig;
  user: ResolvedUser;
  /** Replaces the image's Cmd when not empty. */
  command: string[];
  /** KEY=VALUE, after the image's. */
  env: string[];
  volumes: Volume[];
  network: NetworkMode;
  systemd: SystemdMode;
  /** 32 hex characters: systemd's container_uuid (a machine id) in systemd mode. */
  uuid: string;
}

export interface RuntimeConfig {
  config: OciConfig;
  /** The stop signal the image or systemd mode asks for (a name, or a number for SIGRTMIN+3); undefined: none. */
  stopSignal?: string | number;
  systemdMode: boolean;
}

function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** Later entries replace earlier ones with the same key, in the position of the first. */
function mergeEnv(...lists: string[][]): string[] {
  const out = new Map<string, string>();
  for (const list of lists) for (const entry of list) out.set(envKey(entry), entry);
  return [...out.values()];
}

export function commandOf(image: ImageConfig, command: string[]): string[] {
  const entrypoint = image.config.Entrypoint ?? [];
  const effectiveEntrypoint = entrypoint.length === 1 && entrypoint[0] === '' ? [] : entrypoint;
  return [...effectiveEntrypoint, ...(command.length ? command : (image.config.Cmd ?? []))];
}

function baseMounts(network: NetworkMode): OciMount[] {
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    ...DEV_MOUNTS,
  ];
  // sysfs can be mounted fresh only in a network namespace of the container's own.
  if (network === 'none')
    mounts.push({ destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] });
  else mounts.push({ destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
  if (network === 'host') {
    for (const file of ['/etc/resolv.conf', '/etc/hosts']) {
      if (existsSync(file)) mounts.push({ destination: file, type: 'bind', source: file, options: ['rbind', 'ro'] });
    }
  }
  return mounts;
}

function systemdMounts(volumes: Volume[]): OciMount[] {
  const taken = new Set(volumes.map((v) => v.destination));
  const tmpfs = ['/run', '/run/lock', '/tmp', '/var/log/journal']
    .filter((d) => !taken.has(d))
    .map((destination) => ({ destination, type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'] }));
  return [...tmpfs, { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['private', 'rw'] }];
}

export function runtimeConfig(c: ContainerFromImage): RuntimeConfig {
  const args = commandOf(c.image, c.command);
  if (!args.length) {
    throw new CtrmonError('ERR_IMAGE_CONFIG', `container ${c.name}: the image has no Entrypoint or Cmd and no command was given`, {
      name: c.name,
    });
  }
  const systemdMode = systemdModeOn(c.systemd, args);
  const imageEnv = c.image.config.Env ?? [];
  const env = mergeEnv([DEFAULT_PATH, 'container=ctrmon'], imageEnv, c.env);
  if (!env.some((e) => envKey(e) === 'HOME')) env.push(`HOME=${c.user.home}`);
  if (systemdMode && !env.some((e) => envKey(e) === 'container_uuid')) env.push(`container_uuid=${c.uuid}`);
  const root = c.user.uid === 0;
  const mounts = [
    ...baseMounts(c.network),
    ...(systemdMode ? systemdMounts(c.volumes) : []),
    ...c.volumes.map((v) => ({
      destination: v.destination,
      type: 'bind',
      source: v.source,
      options: ['rbind', 'rprivate', v.readonly ? 'ro' : 'rw'],
    })),
  ];
  const namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (c.network === 'none') namespaces.push({ type: 'network' });
  if (systemdMode) namespaces.push({ type: 'cgroup' });
  const annotations: Record<string, string> = { ...(c.image.config.Labels ?? {}) };
  const stopSignal = systemdMode ? SYSTEMD_STOP_SIGNAL : c.image.config.StopSignal;
  if (c.image.config.StopSignal) annotations['org.opencontainers.image.stopSignal'] = c.image.config.StopSignal;
  const config: OciConfig = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: c.user.uid, gid: c.user.gid, ...(c.user.additionalGids.length ? { additionalGids: c.user.additionalGids } : {}) },
      args,
      env,
      cwd: c.image.config.WorkingDir || '/',
      capabilities: {
        bounding: CAPABILITIES,
        effective: root ? CAPABILITIES : [],
        permitted: root ? CAPABILITIES : [],
      },
      noNewPrivileges: false,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: c.name,
    mounts,
    annotations,
    linux: {
      namespaces,
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
  return { config, stopSignal, systemdMode };
}
