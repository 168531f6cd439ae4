// The container's notify socket (--sdnotify=container): the relay's directory bound read-only at
// /run/notify (podman's place) and NOTIFY_SOCKET naming the socket in it. In every other mode the
// container gets no NOTIFY_SOCKET, not even one its config names, which would point nowhere.
import { appendEnv } from '../env';
import type { RuntimeSpec } from '../oci';

export const CONTAINER_NOTIFY_DIR = '/run/notify';
export const CONTAINER_NOTIFY_SOCKET = `${CONTAINER_NOTIFY_DIR}/notify.sock`;

export interface NotifySocketInputs {
  /** The host directory of the relay's socket; undefined: the container gets no socket. */
  notifyDir?: string;
}

export function applyNotifySocket(spec: RuntimeSpec, { notifyDir }: NotifySocketInputs): void {
  const config = spec.config;
  appendEnv(config, notifyDir ? [`NOTIFY_SOCKET=${CONTAINER_NOTIFY_SOCKET}`] : [], ['NOTIFY_SOCKET']);
  config.mounts = (config.mounts ?? []).filter((m) => m.destination !== CONTAINER_NOTIFY_DIR);
  if (notifyDir) {
    config.mounts.push({
      destination: CONTAINER_NOTIFY_DIR,
      type: 'bind',
      source: notifyDir,
      // Read-only still lets the container send to the socket; it cannot replace it.
      options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'],
    });
  }
}
