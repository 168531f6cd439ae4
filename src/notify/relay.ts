// The container's NOTIFY_SOCKET: a datagram socket ctrmon owns, whose messages are checked,
// filtered through the allowlist and handed to systemd's socket through a queued sender. It
// never stops draining the container's socket, whatever happens on systemd's side, so a
// container's blocking sd_notify() never hangs on ctrmon.
import { unlinkSync } from 'node:fs';

import type { QueuedDatagramSender } from '../dgram/queued-sender';
import type { Logger } from '../log';
import { ThrottledWarnings } from '../log-throttle';
import { Datagram, DatagramSocket } from '../native';
import { FilterOptions, filterMessage } from './allowlist';

/** systemd reads notify datagrams into PIPE_BUF bytes and ignores anything longer. */
export const NOTIFY_MAX_BYTES = 4096;

export interface RelayStats {
  received: number;
  relayed: number;
  oversize: number;
  malformed: number;
}

export interface RelayOptions {
  /** Where the container's socket is bound (mode 0777: any container user may send). */
  socketPath: string;
  /** systemd's side; absent when ctrmon itself runs without NOTIFY_SOCKET. */
  sender?: QueuedDatagramSender;
  filter: FilterOptions;
  log: Logger;
  /** Called with the allowed lines of every relayed message, in order. */
  onMessage?: (lines: string[]) => void;
}

/** Messages an overflow should drop last: they change the unit's state. */
export function isStateChange(msg: Buffer): boolean {
  const text = msg.toString('latin1');
  return /(^|\n)(READY|STOPPING|RELOADING)=1(\n|$)/.test(text);
}

export class NotifyRelay {
  readonly stats: RelayStats = { received: 0, relayed: 0, oversize: 0, malformed: 0 };
  private readonly socket = new DatagramSocket();
  private readonly warnings: ThrottledWarnings;

  constructor(private readonly options: RelayOptions) {
    this.warnings = new ThrottledWarnings(options.log);
  }

  start(): void {
    try {
      unlinkSync(this.options.socketPath); // a stale socket from a crashed monitor
    } catch {
      // not there: the normal case
    }
    this.socket.bind(this.options.socketPath, 0o777);
    this.socket.receive(
      NOTIFY_MAX_BYTES,
      (msg) => this.onDatagram(msg),
      (err) => this.options.log.error({ err: err.message, path: this.options.socketPath }, 'notify socket receive failed'),
    );
  }

  close(): void {
    this.socket.close();
    this.warnings.flush();
    try {
      unlinkSync(this.options.socketPath);
    } catch {
      // already gone
    }
  }

  private onDatagram(msg: Datagram): void {
    this.stats.received++;
    const from = { senderPid: msg.pid, size: msg.size, path: this.options.socketPath };
    if (msg.truncated || msg.size > NOTIFY_MAX_BYTES) {
      this.stats.oversize++;
      this.warnings.warn('oversize', from, `dropped a notify message over ${NOTIFY_MAX_BYTES} bytes`);
      return;
    }
    if (msg.controlTruncated) {
      this.stats.malformed++;
      this.warnings.warn('ctrunc', from, 'dropped a notify message whose control data was truncated');
      return;
    }
    const text = msg.data.toString('latin1');
    if (text.includes('\0')) {
      this.stats.malformed++;
      this.warnings.warn('nul', from, 'dropped a notify message with an embedded NUL byte');
      return;
    }
    const { kept, dropped } = filterMessage(text, this.options.filter);
    if (dropped.length) this.options.log.debug({ ...from, dropped }, 'notify fields not relayed');
    if (!kept.length) return;
    this.stats.relayed++;
    this.options.sender?.send(Buffer.from(kept.join('\n'), 'latin1'));
    this.options.onMessage?.(kept);
  }
}
