// A datagram sender that never blocks and never stalls its caller: messages wait in a bounded
// queue while the peer is missing (ENOENT, ECONNREFUSED: not there yet, or restarted) or full
// (EAGAIN), and go out in order once it is back. When the queue is full the oldest message
// that is not preferred is dropped and counted. conmon instead stops relaying for good after
// one failed send; this is the fix for that.
import type { Logger } from '../log';
import { ThrottledWarnings } from '../log-throttle';
import { DatagramSocket, type SystemError } from '../native';

export interface QueuedSenderOptions {
  /** Most messages kept waiting. */
  limit: number;
  /** Messages that an overflow should drop last (for sd_notify: state changes such as READY=1). */
  isPreferred?: (msg: Buffer) => boolean;
  log: Logger;
  /** What the peer is, for log lines ("systemd notify socket", "journal"). */
  peer: string;
}

export interface SenderStats {
  sent: number;
  dropped: number;
  maxQueued: number;
}

const FIRST_RETRY_MS = 20;
const MAX_RETRY_MS = 1000;
const PEER_GONE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTCONN', 'EPIPE']);

export class QueuedDatagramSender {
  readonly stats: SenderStats = { sent: 0, dropped: 0, maxQueued: 0 };
  /** Called whenever the queue has become empty (everything handed over was sent). */
  onDrained?: () => void;
  private readonly socket = new DatagramSocket();
  private readonly queue: Buffer[] = [];
  private readonly warnings: ThrottledWarnings;
  private connected = false;
  private waiting: 'writable' | 'retry' | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = 0;
  private closed = false;

  constructor(
    readonly address: string,
    private readonly options: QueuedSenderOptions,
  ) {
    this.warnings = new ThrottledWarnings(options.log);
  }

  get pending(): number {
    return this.queue.length;
  }

  send(msg: Buffer): void {
    if (this.closed) {
      this.stats.dropped++;
      return;
    }
    if (this.queue.length >= this.options.limit) this.dropOne();
    this.queue.push(msg);
    this.stats.maxQueued = Math.max(this.stats.maxQueued, this.queue.length);
    this.flush();
  }

  /** One last non-blocking attempt at everything queued, ignoring any wait in progress. */
  drainNow(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.waiting = null;
    this.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.queue.length) {
      this.stats.dropped += this.queue.length;
      this.options.log.warn(
        { peer: this.options.peer, address: this.address, dropped: this.queue.length },
        `closing with messages for the ${this.options.peer} still queued`,
      );
      this.queue.length = 0;
    }
    this.warnings.flush();
    this.socket.close();
  }

  private flush(): void {
    this.deliver();
    if (!this.queue.length && !this.closed) this.onDrained?.();
  }

  private deliver(): void {
    while (!this.waiting && !this.closed && this.queue.length) {
      if (!this.connected && !this.connect()) return;
      try {
        this.socket.send(this.queue[0]);
        this.queue.shift();
        this.stats.sent++;
        if (this.retryMs) {
          this.options.log.info({ peer: this.options.peer, address: this.address }, `${this.options.peer} reachable again`);
          this.retryMs = 0;
        }
      } catch (err) {
        this.onSendError(err as SystemError);
      }
    }
  }

  private connect(): boolean {
    try {
      this.socket.connect(this.address);
      this.connected = true;
      return true;
    } catch (err) {
      this.retryLater(err as SystemError);
      return false;
    }
  }

  private onSendError(err: SystemError): void {
    if (err.code === 'EAGAIN' || err.code === 'ENOBUFS') {
      this.waiting = 'writable';
      this.socket.awaitWritable(() => {
        this.waiting = null;
        this.flush();
      });
    } else if (PEER_GONE.has(err.code)) {
      this.connected = false;
      this.retryLater(err);
    } else {
      // This message itself is the problem (EMSGSIZE, ...): drop it, keep the rest flowing.
      this.queue.shift();
      this.stats.dropped++;
      this.warnings.warn(
        `send-${err.code}`,
        { peer: this.options.peer, address: this.address, err: err.message },
        `dropped a message the ${this.options.peer} refused`,
      );
    }
  }

  private retryLater(err: SystemError): void {
    if (this.retryMs === 0) {
      this.warnings.warn(
        'unavailable',
        { peer: this.options.peer, address: this.address, err: err.message, queued: this.queue.length },
        `${this.options.peer} unavailable; queueing messages and retrying`,
      );
    }
    this.retryMs = this.retryMs ? Math.min(this.retryMs * 2, MAX_RETRY_MS) : FIRST_RETRY_MS;
    this.waiting = 'retry';
    this.retryTimer = setTimeout(() => {
      this.waiting = null;
      this.flush();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  private dropOne(): void {
    const preferred = this.options.isPreferred;
    let index = preferred ? this.queue.findIndex((m) => !preferred(m)) : 0;
    if (index < 0) index = 0;
    this.queue.splice(index, 1);
    this.stats.dropped++;
    this.warnings.warn(
      'overflow',
      { peer: this.options.peer, address: this.address, limit: this.options.limit },
      `queue for the ${this.options.peer} is full; dropping the oldest message`,
    );
  }
}
