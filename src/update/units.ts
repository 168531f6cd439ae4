// The units that run auto-update daily, as podman ships podman-auto-update.service and .timer:
// midnight plus up to 15 minutes at random (so that a fleet does not hit its registry at once),
// and a missed run caught up after downtime. After a successful run, images nothing names any more
// are pruned; the previous images kept for rollbacks have names and stay. A run that rolled a unit
// back or failed exits non-zero, so the service fails and OnFailure= alerting sees it (podman's
// exits 0 after a rollback).
import { quoteWord } from '../systemd/unit-file';

export const AUTO_UPDATE_SERVICE = 'ctrmon-auto-update.service';
export const AUTO_UPDATE_TIMER = 'ctrmon-auto-update.timer';

/** The two units, by file name; command is ctrmon's command line (node, its flags, ctrmon.js), options auto-update's. */
export function autoUpdateUnits(command: string[], options: string[], header: string): Record<string, string> {
  const ctrmon = command.map(quoteWord).join(' ');
  const run = ['auto-update', ...options].map(quoteWord).join(' ');
  return {
    [AUTO_UPDATE_SERVICE]: `# ${header}
[Unit]
Description=ctrmon auto-update
Documentation=man:podman-auto-update(1)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=${ctrmon} ${run}
ExecStartPost=${ctrmon} image prune --force

[Install]
WantedBy=default.target
`,
    [AUTO_UPDATE_TIMER]: `# ${header}
[Unit]
Description=ctrmon auto-update timer

[Timer]
OnCalendar=daily
RandomizedDelaySec=900
Persistent=true

[Install]
WantedBy=timers.target
`,
  };
}
