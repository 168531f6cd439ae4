// The events' fallback where there is no journal: <state-dir>/events.jsonl, one JSON object per
// line holding the entry's journal fields and __REALTIME_TIMESTAMP (microseconds, a string), the
// object `journalctl -o json` would print for it. Capped: a write that takes the file over the cap
// (1 MiB) renames it to events.jsonl.1, replacing the previous one, so the two hold at most ~2 MiB.
//
// An append is one synchronous open/write/close of one short line (O_APPEND, so the lines of
// several monitors sharing the directory never interleave) on the state directory, a tmpfs
// normally: microseconds, the cost of a state file write. The rotation happens under an flock
// taken without waiting (events.jsonl.lock): when another writer holds it, that writer rotates.
import { closeSync, fstatSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import * as path from 'node:path';

import { FileLock, type SystemError } from '../native';
import { type EventEntry, TIME_FIELD, entryFields } from './event';

export const EVENT_FILE = 'events.jsonl';
/** The size past which the file is rotated. */
export const EVENT_FILE_CAP = 1024 * 1024;

export function eventFilePath(stateDir: string): string {
  return path.join(stateDir, EVENT_FILE);
}

/** The previous file, kept after a rotation. */
export function rotatedEventFile(file: string): string {
  return `${file}.1`;
}

/** The wall clock in microseconds since the epoch. */
export function nowUsec(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** One line of the file: the journal fields and the time, as `journalctl -o json` prints an entry. */
export function eventLine(entry: EventEntry, timeUsec: number): string {
  return `${JSON.stringify({ [TIME_FIELD]: String(timeUsec), ...Object.fromEntries(entryFields(entry)) })}\n`;
}

export class EventFile {
  constructor(
    readonly path: string,
    private readonly capBytes = EVENT_FILE_CAP,
  ) {}

  /** Appends the entry; throws what the file system says (the caller reports it). */
  append(entry: EventEntry, timeUsec = nowUsec()): void {
    const fd = openSync(this.path, 'a', 0o644);
    let size: number;
    try {
      writeSync(fd, eventLine(entry, timeUsec));
      size = fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
    if (size > this.capBytes) this.rotate();
  }

  private rotate(): void {
    let lock: FileLock;
    try {
      lock = new FileLock(`${this.path}.lock`);
    } catch (err) {
      const code = (err as SystemError).code;
      if (code === 'EWOULDBLOCK' || code === 'EAGAIN') return; // another writer is rotating it
      throw err;
    }
    try {
      // Checked again under the lock: another writer may have rotated it meanwhile.
      if (statSync(this.path).size > this.capBytes) renameSync(this.path, rotatedEventFile(this.path));
    } finally {
      lock.release();
    }
  }
}
