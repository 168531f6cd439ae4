// The CRI ("k8s-file") log format that podman and conmon write:
//   <RFC3339 time with nanoseconds and offset> <stdout|stderr> <F|P> <line>
// F is a full line, P a partial one. All lines of one read share a timestamp. When the file
// would grow past the size cap it is truncated and starts over (conmon's behaviour). The cap holds
// for the file as written, prefixes included: of a read whose lines alone pass the cap, only the
// newest lines that fit are kept (a single line longer than the cap is cut to fit).
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

/** The newest records whose total length is at most max; the newest alone cut to max if it is longer. */
function newestThatFit(records: string[], max: number): { records: string[]; length: number } {
  let length = 0;
  let first = records.length;
  while (first > 0 && length + records[first - 1].length <= max) length += records[--first].length;
  if (first < records.length) return { records: records.slice(first), length };
  const last = records[records.length - 1];
  const cut = `${last.slice(0, max - 1)}\n`;
  return { records: [cut], length: cut.length };
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
    let records = splitOutput(chunk).map((l) => `${ts} ${stream} ${l.partial ? 'P' : 'F'} ${l.text}\n`);
    let length = records.reduce((n, r) => n + r.length, 0);
    if (this.sizeMax && this.size + length > this.sizeMax) {
      ftruncateSync(this.fd, 0);
      this.size = 0;
      if (length > this.sizeMax) ({ records, length } = newestThatFit(records, this.sizeMax));
    }
    writeSync(this.fd, Buffer.from(records.join(''), 'latin1'));
    this.size += length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
