// What `ctrmon ps` shows: every state file, with its status worked out from the phase and from
// whether the monitor that wrote it still runs.
import type { CtrmonError } from '../errors';
import { monitorAlive } from './liveness';
import { listStates } from './reader';
import type { ContainerState } from './types';

export interface ContainerRow {
  state: ContainerState;
  /** The phase, "exited (N)", or "lost" when the monitor died without recording an exit. */
  status: string;
  monitorAlive: boolean;
}

export function listContainers(stateDir: string): { rows: ContainerRow[]; errors: CtrmonError[] } {
  const { states, errors } = listStates(stateDir);
  const rows = states.map((state) => {
    const alive = monitorAlive(state);
    let status: string = state.phase;
    if (state.phase === 'exited') status = `exited (${state.exitCode})`;
    else if (!alive) status = 'lost';
    if (state.health && state.phase !== 'exited') status += ` (${state.health.status})`;
    return { state, status, monitorAlive: alive };
  });
  return { rows, errors };
}
