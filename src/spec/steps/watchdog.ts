// The unit's watchdog interval, so that an application that talks to the notify socket knows to
// ping (WATCHDOG_PID would be wrong inside: the monitor checks it names ctrmon).
import { appendEnv } from '../env';
import type { RuntimeSpec } from '../oci';

export interface WatchdogInputs {
  /** WATCHDOG_USEC as systemd gave it to ctrmon; undefined: no watchdog. */
  watchdogUsec?: string;
  /** Without the container's notify socket there is nothing to ping. */
  notifyDir?: string;
}

export function applyWatchdog(spec: RuntimeSpec, { watchdogUsec, notifyDir }: WatchdogInputs): void {
  if (notifyDir && watchdogUsec) appendEnv(spec.config, [`WATCHDOG_USEC=${watchdogUsec}`]);
}
