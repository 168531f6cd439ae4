// The unit's ExecReload=, from --reload-cmd or --reload-signal (podman's ReloadCmd= and
// ReloadSignal=): a command runs in the container through `ctrmon exec` (podman uses `podman
// exec`), a signal goes to the monitor, the unit's main PID, which forwards it to the container.
import type { MonitorOptions } from '../config/monitor-options';
import type { Host } from '../host/host';
import { quoteWord } from './unit-file';

/** The ExecReload= entry for o, run with ctrmon's command line (node, its flags and ctrmon), or none. */
export function execReload(o: Pick<MonitorOptions, 'reload' | 'name' | 'stateDir'>, host: Host, ctrmon: string[]): [string, string][] {
  if (o.reload === undefined) return [];
  if ('signal' in o.reload) return [['ExecReload', `/bin/kill -s ${o.reload.signal} $MAINPID`]];
  const stateDir = o.stateDir === host.paths.stateDir ? [] : ['--state-dir', o.stateDir];
  return [['ExecReload', [...ctrmon, 'exec', ...stateDir, o.name, ...o.reload.command].map(quoteWord).join(' ')]];
}
