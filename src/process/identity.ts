// A process named exactly: its pid and the time it started (clock ticks since boot, field 22 of
// /proc/<pid>/stat). A pid alone is reused by the kernel; the pair is not.
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

/** The start time of a live process, or null when there is none (or it is a zombie). */
export function processStartTime(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  const startTime = Number(fields[19]);
  return Number.isInteger(startTime) ? startTime : null;
}

export function ownIdentity(): ProcessIdentity {
  return { pid: process.pid, startTime: processStartTime(process.pid) ?? 0 };
}

/** True while that very process runs: the pid exists and started when it did. */
export function isRunning(id: ProcessIdentity): boolean {
  return processStartTime(id.pid) === id.startTime;
}
