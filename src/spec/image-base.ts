// The base of a container from an image (image-spec conversion.md, with podman's choices where the
// spec leaves room): process.args Entrypoint ++ Cmd (an Entrypoint of [""] is none; a command
// given replaces Cmd), the image's Env, cwd its WorkingDir (else /), runc's default mounts with the
// host's /sys (an image's default network is the host's), masked and read-only paths, podman's
// capabilities, the image's labels and StopSignal as annotations, the container's name as its
// hostname. The rootfs is the caller's (an overlay mounted per start). The options, the user the
// image names and the image's defaults for them (network host, systemd mode when the command is an
// init, PATH and container=ctrmon) are applied by the steps.
import { CtrmonError } from '../errors';
import type { ImageConfig } from '../image/conversion/image-config';
import type { ResolvedUser } from '../image/conversion/user';
import type { OciMount } from './oci';
import type { BaseSpec } from './pipeline';
import { HOST_SYS_MOUNT } from './steps/network';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** What an option not given means for an image. */
export const IMAGE_DEFAULTS = { env: [DEFAULT_PATH, 'container=ctrmon'], network: 'host', systemd: 'true' } satisfies BaseSpec['defaults'];

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

/** podman's default capability set (a user other than root gets none effective: steps/user.ts). */
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

export interface ImageContainer {
  /** The container's name: its hostname. */
  name: string;
  image: ImageConfig;
  /** The image's User, resolved with the image's own passwd and group. */
  user: ResolvedUser;
  /** The mounted rootfs, absolute. */
  rootfs: string;
  /** systemd's container_uuid in systemd mode: 32 hex digits. */
  machineId: string;
}

export function imageBase(c: ImageContainer): BaseSpec {
  const { config: image } = c.image;
  const entrypoint = image.Entrypoint?.length === 1 && image.Entrypoint[0] === '' ? [] : (image.Entrypoint ?? []);
  const annotations: Record<string, string> = { ...(image.Labels ?? {}) };
  if (image.StopSignal) annotations['org.opencontainers.image.stopSignal'] = image.StopSignal;
  return {
    config: {
      ociVersion: '1.0.2',
      process: {
        terminal: false,
        args: [...entrypoint, ...(image.Cmd ?? [])],
        env: image.Env ?? [],
        cwd: image.WorkingDir || '/',
        capabilities: { bounding: CAPABILITIES, effective: CAPABILITIES, permitted: CAPABILITIES },
        noNewPrivileges: false,
      },
      root: { path: c.rootfs, readonly: false },
      hostname: c.name,
      mounts: [
        { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
        ...DEV_MOUNTS,
        HOST_SYS_MOUNT,
      ],
      annotations,
      linux: {
        namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
        maskedPaths: [...MASKED_PATHS],
        readonlyPaths: [...READONLY_PATHS],
      },
    },
    entrypoint,
    noCommand: () =>
      new CtrmonError('ERR_IMAGE_CONFIG', `container ${c.name}: the image has no Entrypoint or Cmd and no command was given`, {
        name: c.name,
      }),
    user: c.user,
    machineId: () => c.machineId,
    ownStopSignal: image.StopSignal,
    defaults: IMAGE_DEFAULTS,
  };
}
