// Reads container events back for `ctrmon events`, from both places they may be (event.ts): the
// journal when `journalctl` is installed (journal-source.ts) and the fallback file when it exists
// (file-source.ts), merged by time. A monitor writes to one of them only, so nothing is doubled.
// Following (--stream): `journalctl -f` from after the last entry listed, and the file's tail.
import type { ChildProcess } from 'node:child_process';

import type { TimedEntry } from './event';
import { eventFilePath } from './event-file';
import { FileTail, type FilePosition, readEventFile } from './file-source';
import { journalArgs, runJournalctl } from './journal-source';
import { type EventQuery, matches } from './query';

export interface ReaderOptions {
  stateDir: string;
  query: EventQuery;
  /** The journalctl command (a test's stand-in); null: do not read the journal. */
  journalctl?: string | null;
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
