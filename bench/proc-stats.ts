// Per-process costs from /proc: memory from smaps_rollup (RSS, PSS, private), CPU time and
// context switches summed over all threads (a context switch is a wake-up of some thread).
import { readFileSync, readdirSync } from 'node:fs';

export interface MemoryStats {
  rssKb: number;
  pssKb: number;
  /** Private_Clean + Private_Dirty: what this process alone costs. */
  privateKb: number;
}

export interface CpuStats {
  /** utime + stime of the whole process, in milliseconds. */
  cpuMs: number;
  /** voluntary + involuntary context switches of every thread. */
  contextSwitches: number;
  threads: number;
}

// USER_HZ is 100 on Linux for every architecture the kernel exports to /proc.
const CLOCK_TICKS_PER_SECOND = 100;

export function memoryOf(pid: number): MemoryStats {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: kb('Rss'), pssKb: kb('Pss'), privateKb: kb('Private_Clean') + kb('Private_Dirty') };
}

export function cpuOf(pid: number): CpuStats {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  let contextSwitches = 0;
  const tasks = readdirSync(`/proc/${pid}/task`);
  for (const tid of tasks) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      contextSwitches += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      contextSwitches += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    } catch {
      // the thread ended meanwhile
    }
  }
  return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND, contextSwitches, threads: tasks.length };
}
