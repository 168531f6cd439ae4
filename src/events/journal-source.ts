// The journal as a place events are read from: `journalctl -o json` with field matches (SYSLOG_IDENTIFIER
// of ctrmon's writers, CTRMON_EVENT, CONTAINER_NAME, UNIT: journalctl ORs the values of one field and
// ANDs the fields, podman's filter rule) and coarse time bounds; each line parsed into an event.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { CtrmonError } from '../errors';
import { EVENT_IDENTIFIERS, EVENT_NAMES, FIELDS, TIME_FIELD, type TimedEntry, entryFromFields } from './event';
import type { EventQuery } from './query';

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
export function runJournalctl(
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
