// Whether the monitor that wrote a state file still runs: its pid, started at the recorded time
// (a recycled pid belongs to a process that started later).
import { readFileSync } from 'node:fs';

import { isRunning } from '../process/identity';
import type { ContainerState } from './types';

export function monitorAlive(state: Pick<ContainerState, 'name' | 'monitorPid' | 'monitorStartTime'>): boolean {
  if (state.monitorStartTime !== null) return isRunning({ pid: state.monitorPid, startTime: state.monitorStartTime });
  // A file written before start times were recorded: the command line is the best evidence left.
  try {
    const cmdline = readFileSync(`/proc/${state.monitorPid}/cmdline`, 'utf8');
    return cmdline.includes('ctrmon') && cmdline.includes(state.name);
  } catch {
    return false;
  }
}
