// Whether the monitor that wrote a state file still runs.
import { readFileSync } from 'node:fs';

import type { ContainerState } from './types';

/** True when the process that wrote the state still runs (and is not a recycled pid of something else). */
export function monitorAlive(state: ContainerState): boolean {
  try {
    const cmdline = readFileSync(`/proc/${state.monitorPid}/cmdline`, 'utf8');
    return cmdline.includes('ctrmon') && cmdline.includes(state.name);
  } catch {
    return false;
  }
}
