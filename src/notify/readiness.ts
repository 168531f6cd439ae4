// The --sdnotify modes, declared once, each with everything ctrmon decides from it: the monitor
// (what it tells systemd, and when the container is ready), the unit generator (Type=,
// TimeoutStartSec=), the update verifier (when a restarted container counts as ready), the option
// table (the .container Notify= values, the health check a mode needs) and the state file (its
// sdnotify field) read this table and branch on no mode by name.

/**
 * Who says READY=1: the application (its own sd_notify, relayed), ctrmon once `runtime start`
 * returned, ctrmon at the first passing health check (so the mode needs one, and the unit's start
 * timeout must fit the start period and a check), or nobody.
 */
export type ReadySource = 'application' | 'start' | 'health' | 'nobody';

export interface Readiness {
  readyBy: ReadySource;
  /** The container gets a NOTIFY_SOCKET of its own, relayed to systemd's (READY=1, STATUS=, WATCHDOG=1 ...). */
  relay: boolean;
  /** ctrmon uses systemd's NOTIFY_SOCKET: the READY=1 it decides, STOPPING=1 at a stop, what the relay passes. */
  notifiesSystemd: boolean;
  /** The unit's Type=: notify waits for READY=1; exec, for a mode where nothing says it, is started once ctrmon runs. */
  unitType: 'notify' | 'exec';
  /** The state file's phase in which the update verifier counts a restarted container as ready. */
  readyPhase: 'ready' | 'running';
  /** The .container Notify= value that selects the mode (podman's), or null when none does. */
  notifyKey: string | null;
}

export const READINESS = {
  container: { readyBy: 'application', relay: true, notifiesSystemd: true, unitType: 'notify', readyPhase: 'ready', notifyKey: 'true' },
  conmon: { readyBy: 'start', relay: false, notifiesSystemd: true, unitType: 'notify', readyPhase: 'ready', notifyKey: 'false' },
  healthy: { readyBy: 'health', relay: false, notifiesSystemd: true, unitType: 'notify', readyPhase: 'ready', notifyKey: 'healthy' },
  ignore: { readyBy: 'nobody', relay: false, notifiesSystemd: false, unitType: 'exec', readyPhase: 'running', notifyKey: null },
} as const satisfies Record<string, Readiness>;

export type SdNotifyMode = keyof typeof READINESS;
/** In the table's order, which --help and the errors follow. */
export const SDNOTIFY_MODES = Object.keys(READINESS) as readonly SdNotifyMode[];
