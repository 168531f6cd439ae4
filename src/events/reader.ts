// Reads container events back for `ctrmon events`, from both places they may be (event.ts):
// - the journal, when `journalctl` is installed: `journalctl -o json` with field matches
//   (SYSLOG_IDENTIFIER of ctrmon's writers, CTRMON_EVENT, CONTAINER_NAME, UNIT: journalctl ORs the
//   values of one field and ANDs the fields, podman's filter rule) and --since/--until;
// - the fallback file, when it exists: <state-dir>/events.jsonl.1 then events.jsonl, filtered here.
// The two lists are merged by time. A monitor writes to one of them only, so nothing is doubled.
// Following (--stream): `journalctl -f` from after the last entry listed, and the file polled for
// lines appended since (following it across a rotation).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { CtrmonError } from '../errors';
import { EVENT_IDENTIFIERS, EVENT_NAMES, FIELDS, TIME_FIELD, type TimedEntry, entryFromFields } from './event';
import { eventFilePath, rotatedEventFile } from './event-file';
import { type EventQuery, matches } from './query';

export interface ReaderOptions {
  stateDir: string;
  query: EventQuery;
  /** The journalctl command (a test's stand-in); null: do not read the journal. */
  journalctl?: string | null;
}

/** How often a followed file is checked for new lines. */
const FILE_POLL_MS = 250;

/**
 * One `journalctl -o json` object (or a line of the fallback file) as an event; null for anything
 * else. journalctl prints a field that is not valid UTF-8 as an array of bytes, and a field that
 * occurs more than once as an array of values (the first is taken).
 */
export function parseEventJson(line: string): (TimedEntry & { cursor?: string }) | null {
  let object: unknown;
  try {
    object = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return null;
  const fields: Record<string, string> = {};
  for (const [key, raw] of Object.entries(object)) {
    const value = Array.isArray(raw) && raw.length && typeof raw[0] !== 'number' ? raw[0] : raw;
    if (typeof value === 'string') fields[key] = value;
    else if (Array.isArray(value) && value.every((b) => typeof b === 'number')) fields[key] = Buffer.from(value).toString('utf8');
  }
  const entry = entryFromFields(fields);
  const timeUsec = Number(fields[TIME_FIELD]);
  if (!entry || !Number.isSafeInteger(timeUsec)) return null;
  return fields.__CURSOR === undefined ? { entry, timeUsec } : { entry, timeUsec, cursor: fields.__CURSOR };
}

/** journalctl's matches and coarse time bounds for the query (the exact bounds are applied here). */
export function journalArgs(query: EventQuery): string[] {
  const args = ['--no-pager', '-o', 'json'];
  if (query.sinceUsec !== undefined) args.push(`--since=@${Math.floor(query.sinceUsec / 1e6)}`);
  if (query.untilUsec !== undefined) args.push(`--until=@${Math.ceil(query.untilUsec / 1e6) + 1}`);
  for (const id of Object.values(EVENT_IDENTIFIERS)) args.push(`${FIELDS.identifier}=${id}`);
  for (const event of query.events.length ? query.events : EVENT_NAMES) args.push(`${FIELDS.event}=${event}`);
  for (const container of query.containers) args.push(`${FIELDS.container}=${container}`);
  for (const unit of query.units) args.push(`${FIELDS.unit}=${unit}`);
  return args;
}

function journalctlError(command: string, code: number | null, stderr: string): CtrmonError {
  const why = stderr.trim().split('\n').pop() || `exit status ${code}`;
  return new CtrmonError('ERR_EVENTS', `${command} failed: ${why}`);
}

/**
 * Runs journalctl and hands each event line to onEvent; resolves with the last cursor when it
 * exits, or with undefined when journalctl is not installed.
 */
function runJournalctl(
  command: string,
  args: string[],
  onEvent: (e: TimedEntry & { cursor?: string }) => void,
  started?: (child: ChildProcess) => void,
): Promise<{ installed: boolean; cursor?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    started?.(child);
    let stderr = '';
    let cursor: string | undefined;
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString();
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const e = parseEventJson(line);
      if (!e) return;
      cursor = e.cursor ?? cursor;
      onEvent(e);
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') resolve({ installed: false });
      else reject(new CtrmonError('ERR_EVENTS', `cannot run ${command}: ${err.message}`, {}, { cause: err }));
    });
    child.once('close', (code, signal) => {
      if (code === 0 || signal !== null) resolve({ installed: true, cursor });
      else reject(journalctlError(command, code, stderr));
    });
  });
}

/** Where a followed file was left: its inode, and how far it was read. */
interface FilePosition {
  ino: number | null;
  offset: number;
}

/** The events in the fallback file and its rotated predecessor, and where the file was left. */
function readEventFile(file: string, onEvent: (e: TimedEntry) => void): FilePosition {
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

export interface EventList {
  events: TimedEntry[];
  /** Where following continues. */
  journalCursor?: string;
  journalInstalled: boolean;
  file: FilePosition;
}

/** Every event the query selects, from the journal and the fallback file, oldest first. */
export async function readEvents(o: ReaderOptions): Promise<EventList> {
  const events: TimedEntry[] = [];
  const add = (e: TimedEntry) => {
    if (matches(o.query, e)) events.push({ entry: e.entry, timeUsec: e.timeUsec });
  };
  const command = o.journalctl === undefined ? 'journalctl' : o.journalctl;
  const journal = command === null ? { installed: false } : await runJournalctl(command, journalArgs(o.query), add);
  const file = readEventFile(eventFilePath(o.stateDir), add);
  // A stable sort: entries of one source keep their order when times are equal.
  events.sort((a, b) => a.timeUsec - b.timeUsec);
  return { events, journalCursor: journal.cursor, journalInstalled: journal.installed, file };
}

export interface EventFollower {
  /** Ends following; resolves once journalctl is gone. */
  stop(): Promise<void>;
  /** Settles when following fails (journalctl exits with an error). */
  readonly failed: Promise<never>;
}

/** Follows both places from where list left them, handing each new event to onEvent as it comes. */
export function followEvents(o: ReaderOptions, list: EventList, onEvent: (e: TimedEntry) => void): EventFollower {
  const deliver = (e: TimedEntry) => {
    if (matches(o.query, e)) onEvent({ entry: e.entry, timeUsec: e.timeUsec });
  };
  let child: ChildProcess | undefined;
  let journalDone: Promise<unknown> = Promise.resolve();
  let failed: Promise<never> = new Promise<never>(() => undefined);
  const command = o.journalctl === undefined ? 'journalctl' : o.journalctl;
  if (command !== null && list.journalInstalled) {
    const args = journalArgs({ ...o.query, untilUsec: undefined });
    // After the last entry listed; when none was, every matching entry is new.
    args.push('--follow', list.journalCursor ? `--after-cursor=${list.journalCursor}` : '--lines=all');
    const running = runJournalctl(command, args, deliver, (c) => (child = c));
    journalDone = running.catch(() => undefined);
    failed = running.then(() => new Promise<never>(() => undefined));
  }
  const tail = new FileTail(eventFilePath(o.stateDir), list.file, deliver);
  return {
    failed,
    async stop() {
      tail.stop();
      child?.kill('SIGTERM');
      await journalDone;
    },
  };
}

/** Polls a file for appended lines; after a rotation, reads the rest of the old file, then the new one. */
class FileTail {
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
