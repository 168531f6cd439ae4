// Writes each chunk, as it is, to one of ctrmon's own descriptors (passthrough's stderr). The
// write is synchronous like ctrmon's own log lines on the same descriptor, so the two never
// interleave within a line; a descriptor that is non-blocking and full is waited on briefly.
import { writeSync } from 'node:fs';

import type { LogSink } from './sink';

const FULL_WAIT_MS = 1;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class FdSink implements LogSink {
  constructor(private readonly fd: number) {}

  write(_stream: string, chunk: Buffer): void {
    for (let off = 0; off < chunk.length; ) {
      try {
        off += writeSync(this.fd, chunk, off);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return; // the reader is gone: nothing to keep
        Atomics.wait(sleeper, 0, 0, FULL_WAIT_MS);
      }
    }
  }

  close(): void {}
}
