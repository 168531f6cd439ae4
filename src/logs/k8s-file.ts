// The CRI ("k8s-file") log format that podman and conmon write:
//   <RFC3339 time with nanoseconds and offset> <stdout|stderr> <F|P> <line>
// F is a full line, P a partial one. All lines of one read share a timestamp. When the file
// would grow past the size cap it is truncated and starts over (conmon's behaviour).
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';

import { splitOutput } from './lines';
import type { LogSink, OutputStream } from './sink';

// Wall-clock nanoseconds: Date gives milliseconds, hrtime the rest.
const baseNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Local time, nine fractional digits and a numeric offset: 2026-11-22T04:17:40.086406931+00:00. */
export function rfc3339Nano(ns: bigint = baseNs + process.hrtime.bigint()): string {
  const d = new Date(Number(ns / 1_000_000n));
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `.${String(ns % 1_000_000_000n).padStart(9, '0')}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

export class KubeFileSink implements LogSink {
  private readonly fd: number;
  private size: number;

  constructor(
    readonly path: string,
    /** Truncate before a write that would pass this many bytes; 0 or undefined: no cap. */
    private readonly sizeMax?: number,
  ) {
    this.fd = openSync(path, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  write(stream: OutputStream, chunk: Buffer): void {
    const ts = rfc3339Nano();
    const text = splitOutput(chunk)
      .map((l) => `${ts} ${stream} ${l.partial ? 'P' : 'F'} ${l.text}\n`)
      .join('');
    const data = Buffer.from(text, 'latin1');
    if (this.sizeMax && this.size + data.length > this.sizeMax) {
      ftruncateSync(this.fd, 0);
      this.size = 0;
    }
    writeSync(this.fd, data);
    this.size += data.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
