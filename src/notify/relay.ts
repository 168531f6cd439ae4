// The container's NOTIFY_SOCKET: a socket ctrmon owns, relayed to systemd's by the native relay
// (native/notify_relay.cc), whose own thread checks, filters and sends each datagram without
// entering JavaScript, so no JS work or garbage collection delays a message. Here: what the
// monitor must hear (state changes), warnings about dropped datagrams, and the slow path: a
// message the native side could not send goes to the queued sender, which retries while systemd's
// socket is missing or full; direct sending resumes once it has drained.
// The container's socket is drained whatever happens on systemd's side, so a container's
// blocking sd_notify() never hangs on ctrmon.
import { unlinkSync } from 'node:fs';

import type { QueuedDatagramSender } from '../dgram/queued-sender';
import type { Logger } from '../log';
import { ThrottledWarnings } from '../log-throttle';
import { NATIVE, NativeNotifyRelay, type RelayStats } from '../native';
import type { FilterOptions } from './allowlist';

/** systemd reads notify datagrams into PIPE_BUF bytes and ignores anything longer. */
export const NOTIFY_MAX_BYTES = NATIVE.notifyMaxBytes;
const STATE_CHANGES = new Set(NATIVE.stateChanges);

export interface RelayOptions {
  /** Where the container's socket is bound (mode 0777: any container user may send). */
  socketPath: string;
  /** systemd's side; absent when ctrmon itself runs without NOTIFY_SOCKET. */
  sender?: QueuedDatagramSender;
  filter: FilterOptions;
  log: Logger;
  /** Called with the allowed lines of a message that changes the unit's state (READY=1, ...). */
  onStateChange?: (lines: string[]) => void;
}

/** Messages an overflow should drop last: they change the unit's state. */
export function isStateChange(msg: Buffer): boolean {
  return msg
    .toString('latin1')
    .split('\n')
    .some((line) => STATE_CHANGES.has(line));
}

const DROPPED: Record<string, string> = {
  oversize: `dropped a notify message over ${NOTIFY_MAX_BYTES} bytes`,
  'control-truncated': 'dropped a notify message whose control data was truncated',
  'nul-byte': 'dropped a notify message with an embedded NUL byte',
};

export class NotifyRelay {
  private native?: NativeNotifyRelay;
  private readonly warnings: ThrottledWarnings;

  constructor(private readonly options: RelayOptions) {
    this.warnings = new ThrottledWarnings(options.log);
  }

  start(): void {
    const { socketPath, sender, log } = this.options;
    try {
      unlinkSync(socketPath); // a stale socket from a crashed monitor
    } catch {
      // not there: the normal case
    }
    const native = new NativeNotifyRelay(socketPath, sender?.address, this.options.filter.extendTimeoutMaxUsec);
    this.native = native;
    if (sender) sender.onDrained = () => native.setDirect();
    native.start({
      message: (payload, stateChange, unsent) => {
        if (unsent) sender?.send(payload);
        if (stateChange) this.options.onStateChange?.(payload.toString('latin1').split('\n'));
      },
      drop: (reason, size, senderPid) => this.warnings.warn(reason, { senderPid, size, path: socketPath }, DROPPED[reason]),
      error: (err) => log.error({ err: err.message, path: socketPath }, 'notify socket receive failed'),
    });
  }

  get stats(): RelayStats | undefined {
    return this.native?.stats;
  }

  close(): void {
    this.native?.close();
    this.warnings.flush();
    try {
      unlinkSync(this.options.socketPath);
    } catch {
      // already gone
    }
  }
}
