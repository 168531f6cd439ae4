// `ctrmon logs`: the container's output read back from wherever its log driver put it, as the
// state file names them: k8s-file (the CRI log file, followed across a truncation at
// --log-size-max), journald (the entries with the container's CONTAINER_ID_FULL), passthrough (the
// unit's journal, where the container's output and ctrmon's own lines went together) or none
// (nothing was kept: an error). Following ends when the container has exited, as podman's does.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

import { CtrmonError, errorMessage } from '../errors';
import { monitorAlive } from '../state/liveness';
import { readContainerState } from '../state/reader';
import type { ContainerState } from '../state/types';
import type { OutputStream } from './sink';

export interface LogQuery {
  follow: boolean;
  /** Entries from this time on (ms since the epoch). */
  sinceMs?: number;
  /** Only the last this many lines (before following). */
  tail?: number;
}

/** One line of output; partial: it has no newline of its own (the next entry continues it). */
export interface LogEntry {
  timeMs: number;
  /** The time as the log has it (the CRI file's RFC 3339 with nanoseconds), for --timestamps. */
  time: string;
  stream: OutputStream;
  text: string;
  partial: boolean;
}

/** How often a followed file is looked at, and the state file read to see whether the container exited. */
const POLL_MS = 200;
const CRI_LINE = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s;

/** One line of a CRI log file, or null for one that is not. */
export function parseCriLine(line: string): LogEntry | null {
  const m = CRI_LINE.exec(line);
  if (!m) return null;
  const timeMs = Date.parse(m[1]);
  if (Number.isNaN(timeMs)) return null;
  return { timeMs, time: m[1], stream: m[2] as OutputStream, text: m[4], partial: m[3] === 'P' };
}

/** The last n lines of entries: a line is its partial entries and the full one that ends it. */
export function lastLines(entries: LogEntry[], n: number): LogEntry[] {
  let lines = 0;
  let i = entries.length;
  while (i > 0) {
    if (!entries[i - 1].partial) {
      if (lines === n) break;
      lines++;
    }
    i--;
  }
  // A partial line still open at the end counts only with its line, which has not ended.
  return n === 0 ? [] : entries.slice(i);
}

/** Reads the logs of the container called name under stateDir, handing each entry to onEntry; follows when asked. */
export async function readLogs(stateDir: string, name: string, query: LogQuery, onEntry: (e: LogEntry) => void): Promise<void> {
  const state = readContainerState(stateDir, name);
  const running = () => {
    const now = readContainerState(stateDir, name);
    return now.phase !== 'exited' && monitorAlive(now);
  };
  switch (state.logDriver) {
    case 'k8s-file':
      if (!state.logPath) throw logsError(state, 'its state file names no log file');
      return readCriFile(state.logPath, query, onEntry, running);
    case 'journald':
      // CONTAINER_ID_FULL, as podman matches: ctrmon's events carry CONTAINER_NAME too, but are not output.
      return readJournal([`CONTAINER_ID_FULL=${name}`], query, onEntry, running);
    case 'passthrough':
      if (!state.unit)
        throw logsError(state, 'its output went to the stdout and stderr of a monitor outside systemd, where nothing kept it');
      return readJournal([`_SYSTEMD_UNIT=${state.unit}`], query, onEntry, running);
    case 'none':
      throw logsError(state, 'it has --log-driver=none: its output was not kept');
    default:
      throw logsError(state, `its log driver ${state.logDriver} is not one ctrmon reads`);
  }
}

function logsError(state: ContainerState, why: string): CtrmonError {
  return new CtrmonError('ERR_LOGS', `cannot show the logs of ${state.name}: ${why}`, { name: state.name });
}

async function readCriFile(file: string, query: LogQuery, onEntry: (e: LogEntry) => void, running: () => boolean): Promise<void> {
  const reader = new CriFileReader(file);
  try {
    const since = (e: LogEntry) => query.sinceMs === undefined || e.timeMs >= query.sinceMs;
    const first = reader.read().filter(since);
    for (const e of query.tail === undefined ? first : lastLines(first, query.tail)) onEntry(e);
    if (!query.follow) return;
    for (;;) {
      const alive = running();
      for (const e of reader.read()) if (since(e)) onEntry(e);
      if (!alive) return;
      await sleep(POLL_MS);
    }
  } finally {
    reader.close();
  }
}

/** A CRI log file read from where the last read ended; a file that shrank was truncated, and is read from its start. */
class CriFileReader {
  private readonly fd: number;
  private offset = 0;
  private rest = '';

  constructor(file: string) {
    try {
      this.fd = openSync(file, 'r');
    } catch (err) {
      throw new CtrmonError('ERR_LOGS', `cannot read the log file ${file}: ${errorMessage(err)}`, { path: file }, { cause: err });
    }
  }

  read(): LogEntry[] {
    const size = fstatSync(this.fd).size;
    if (size < this.offset) {
      this.offset = 0;
      this.rest = '';
    }
    const entries: LogEntry[] = [];
    while (this.offset < size) {
      const buf = Buffer.alloc(Math.min(size - this.offset, 1 << 20));
      const n = readSync(this.fd, buf, 0, buf.length, this.offset);
      if (n === 0) break;
      this.offset += n;
      const lines = (this.rest + buf.toString('latin1', 0, n)).split('\n');
      this.rest = lines.pop()!;
      for (const line of lines) {
        // Read as latin1 so that a chunk may end inside a character; each whole line is UTF-8.
        const e = parseCriLine(Buffer.from(line, 'latin1').toString('utf8'));
        if (e) entries.push(e);
      }
    }
    return entries;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * journalctl's entries matching fields, as LogEntries (PRIORITY 3 is stderr, as the journald driver
 * writes it). Following runs journalctl again every poll from the last entry's cursor, rather than
 * `journalctl --follow`, which would have to be killed, losing what it had not written yet.
 */
async function readJournal(matches: string[], query: LogQuery, onEntry: (e: LogEntry) => void, running: () => boolean): Promise<void> {
  const base = ['--no-pager', '-o', 'json', '--output-fields=MESSAGE,PRIORITY,CONTAINER_PARTIAL_MESSAGE'];
  const since = (ms: number) => `--since=@${(ms / 1000).toFixed(6)}`;
  const followFrom = Date.now();
  let cursor: string | undefined;
  const take = (e: JournalLogEntry) => {
    cursor = e.cursor ?? cursor;
    onEntry(e.entry);
  };
  const first = [...base, ...(query.sinceMs === undefined ? [] : [since(query.sinceMs)])];
  await journalctl([...first, ...(query.tail === undefined ? [] : [`--lines=${query.tail}`]), ...matches], take);
  if (!query.follow) return;
  for (;;) {
    const alive = running();
    // The container's last lines may still be on their way to the journal when it has exited.
    await sleep(POLL_MS);
    const from = cursor === undefined ? [since(Math.max(followFrom, query.sinceMs ?? 0))] : [`--after-cursor=${cursor}`];
    await journalctl([...base, ...from, ...matches], take);
    if (!alive) return;
  }
}

interface JournalLogEntry {
  entry: LogEntry;
  cursor?: string;
}

function journalctl(args: string[], onEntry: (e: JournalLogEntry) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString();
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const e = journalEntry(line);
      if (e) onEntry(e);
    });
    child.once('error', (err) => reject(new CtrmonError('ERR_LOGS', `cannot run journalctl: ${err.message}`, {}, { cause: err })));
    // 'close' comes after the last line has been read.
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new CtrmonError('ERR_LOGS', `journalctl failed: ${stderr.trim().split('\n').pop() || `exit status ${code}`}`));
    });
  });
}

/** One `journalctl -o json` line as a LogEntry and its cursor (a MESSAGE that is not UTF-8 comes as an array of bytes). */
export function journalEntry(line: string): JournalLogEntry | null {
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  const raw = fields.MESSAGE;
  const text = typeof raw === 'string' ? raw : Array.isArray(raw) ? Buffer.from(raw as number[]).toString('utf8') : null;
  const usec = Number(fields.__REALTIME_TIMESTAMP);
  if (text === null || !Number.isFinite(usec)) return null;
  const timeMs = usec / 1000;
  const entry: LogEntry = {
    timeMs,
    time: new Date(timeMs).toISOString(),
    stream: fields.PRIORITY === '3' ? 'stderr' : 'stdout',
    text,
    partial: fields.CONTAINER_PARTIAL_MESSAGE === 'true',
  };
  return typeof fields.__CURSOR === 'string' ? { entry, cursor: fields.__CURSOR } : { entry };
}
