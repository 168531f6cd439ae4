// The fallback file as a place events are read from: <state-dir>/events.jsonl.1 then events.jsonl,
// whole lines only, and a tail that polls it for lines appended since (across a rotation).
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

import type { TimedEntry } from './event';
import { rotatedEventFile } from './event-file';
import { parseEventJson } from './journal-source';

/** How often a followed file is checked for new lines. */
const FILE_POLL_MS = 250;

/** Where a followed file was left: its inode, and how far it was read. */
export interface FilePosition {
  ino: number | null;
  offset: number;
}

/** The events in the fallback file and its rotated predecessor, and where the file was left. */
export function readEventFile(file: string, onEvent: (e: TimedEntry) => void): FilePosition {
  try {
    eachLine(readFileSync(rotatedEventFile(file), 'utf8'), onEvent);
  } catch {
    // none yet
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { ino: null, offset: 0 };
  }
  try {
    const data = readFileSync(fd);
    // Only whole lines count: a line being written is the follower's.
    const end = data.lastIndexOf(0x0a) + 1;
    eachLine(data.toString('utf8', 0, end), onEvent);
    return { ino: fstatSync(fd).ino, offset: end };
  } finally {
    closeSync(fd);
  }
}

function eachLine(text: string, onEvent: (e: TimedEntry) => void): void {
  for (const line of text.split('\n')) {
    const e = line ? parseEventJson(line) : null;
    if (e) onEvent({ entry: e.entry, timeUsec: e.timeUsec });
  }
}

/** Polls a file for appended lines; after a rotation, reads the rest of the old file, then the new one. */
export class FileTail {
  private fd: number | null = null;
  private ino: number | null;
  private offset: number;
  private partial = Buffer.alloc(0);
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly file: string,
    from: FilePosition,
    private readonly onEvent: (e: TimedEntry) => void,
  ) {
    this.ino = from.ino;
    this.offset = from.offset;
    if (from.ino !== null) this.open(from.ino);
    this.timer = setInterval(() => this.poll(), FILE_POLL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(expectedIno: number | null): void {
    try {
      const fd = openSync(this.file, 'r');
      const ino = fstatSync(fd).ino;
      if (expectedIno !== null && ino !== expectedIno) {
        // Rotated between the listing and now: the listing's file is events.jsonl.1 now.
        closeSync(fd);
        this.fd = openSync(rotatedEventFile(this.file), 'r');
        return;
      }
      this.fd = fd;
      this.ino = ino;
    } catch {
      this.fd = null;
    }
  }

  private poll(): void {
    if (this.fd === null) {
      if (!existsSync(this.file)) return;
      this.open(null);
      this.offset = 0;
      this.partial = Buffer.alloc(0);
      if (this.fd === null) return;
    }
    this.drain();
    let current: number | null = null;
    try {
      current = statSync(this.file).ino;
    } catch {
      // rotated and not written again yet
    }
    if (current !== this.ino) {
      // The file was rotated: what was left of it has been read; the new one starts at 0.
      closeSync(this.fd!);
      this.fd = null;
      this.ino = null;
      if (current !== null) this.poll();
    }
  }

  private drain(): void {
    const chunk = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(this.fd!, chunk, 0, chunk.length, this.offset);
      if (n <= 0) return;
      this.offset += n;
      const data = Buffer.concat([this.partial, chunk.subarray(0, n)]);
      const end = data.lastIndexOf(0x0a) + 1;
      this.partial = Buffer.from(data.subarray(end));
      eachLine(data.toString('utf8', 0, end), this.onEvent);
    }
  }
}
