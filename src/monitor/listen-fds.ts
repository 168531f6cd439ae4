// Socket activation: the listening sockets systemd passes to a unit's main process (sd_listen_fds(3):
// LISTEN_FDS of them from fd 3, LISTEN_PID naming the process they are for, LISTEN_FDNAMES their
// names), handed on to the container as its own fds 3... The runtime keeps them open for the
// container with --preserve-fds; the container's environment says so (spec/steps/listen-fds.ts).
// ctrmon never accepts on them, and closes its own copies once the container has them, so a
// connection can only ever be taken by the container.
import { closeSync, fstatSync } from 'node:fs';

export const FIRST_LISTEN_FD = 3;

export interface ListenFds {
  fds: number[];
  /** LISTEN_FDNAMES, one per fd; null when systemd gave none, or not one per fd. */
  names: string[] | null;
}

/** The sockets systemd passed to this process; `ignored` says why there are none although LISTEN_FDS is set. */
export function listenFds(env: NodeJS.ProcessEnv, pid: number): { sockets: ListenFds | null; ignored?: string } {
  const count = env.LISTEN_FDS;
  if (count === undefined || count === '') return { sockets: null };
  if (env.LISTEN_PID !== String(pid)) {
    return { sockets: null, ignored: `LISTEN_PID=${env.LISTEN_PID ?? ''} is not ctrmon's pid ${pid}: the fds are not ours` };
  }
  const n = Number(count);
  if (!/^\d+$/.test(count) || n < 1) return { sockets: null, ignored: `LISTEN_FDS=${count} is not a number of sockets` };
  const fds = Array.from({ length: n }, (_, i) => FIRST_LISTEN_FD + i);
  for (const fd of fds) {
    try {
      if (!fstatSync(fd).isSocket()) return { sockets: null, ignored: `fd ${fd} of LISTEN_FDS=${n} is not a socket` };
    } catch {
      return { sockets: null, ignored: `fd ${fd} of LISTEN_FDS=${n} is not open` };
    }
  }
  const names = env.LISTEN_FDNAMES?.split(':') ?? null;
  return { sockets: { fds, names: names?.length === n ? names : null } };
}

/** Closes ctrmon's copies, once the container holds the sockets (or will never get them). */
export function closeListenFds(sockets: ListenFds): void {
  for (const fd of sockets.fds) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}
