// Socket activation: the container's environment says how many sockets it got from fd 3 on
// (sd_listen_fds(3)), that they are for its process (pid 1 of its namespace), and their names.
import { appendEnv } from '../env';
import type { RuntimeSpec } from '../oci';

export interface ListenFdsInputs {
  /** The sockets systemd passed that the container gets (monitor/listen-fds.ts); undefined: none. */
  listenFds?: { count: number; names: string[] | null };
}

export function applyListenFds(spec: RuntimeSpec, { listenFds }: ListenFdsInputs): void {
  if (!listenFds) return;
  const names = listenFds.names ? [`LISTEN_FDNAMES=${listenFds.names.join(':')}`] : [];
  appendEnv(spec.config, [`LISTEN_FDS=${listenFds.count}`, 'LISTEN_PID=1', ...names]);
}
