// A notify socket that records what arrives: a stand-in for systemd where there is none (the
// demo) and the receiving end of relay-latency measurements (the benchmark). Passed fds are
// closed on receipt, so senders' BARRIER=1 completes.
import { rmSync } from 'node:fs';

import { DatagramSocket, NATIVE } from '../../src/native';

export interface Arrival {
  /** process.hrtime.bigint() at arrival. */
  at: bigint;
  /** Wall clock at arrival, milliseconds since the epoch. */
  wallMs: number;
  pid: number;
  payload: string;
}

export class NotifyListener {
  readonly arrivals: Arrival[] = [];
  private readonly socket = new DatagramSocket();

  constructor(
    readonly address: string,
    private readonly onArrival?: (arrival: Arrival) => void,
  ) {
    if (!address.startsWith('@')) rmSync(address, { force: true });
    this.socket.bind(address);
    this.socket.receive(
      NATIVE.notifyMaxBytes,
      (msg) => {
        const arrival = { at: process.hrtime.bigint(), wallMs: Date.now(), pid: msg.pid, payload: msg.data.toString('latin1') };
        this.arrivals.push(arrival);
        this.onArrival?.(arrival);
      },
      () => undefined,
    );
  }

  close(): void {
    this.socket.close();
    if (!this.address.startsWith('@')) rmSync(this.address, { force: true });
  }
}
