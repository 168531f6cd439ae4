// podman's --systemd: whether a container runs an init system that wants a machine-like
// environment. `always` and `false` decide alone; `true` (the default) looks at the command that
// will run: /sbin/init, /usr/sbin/init, /usr/local/sbin/init, or anything named systemd, with a
// leading `/bin/sh -c` looked through.
import * as path from 'node:path';

export const SYSTEMD_MODES = ['true', 'false', 'always'] as const;
export type SystemdMode = (typeof SYSTEMD_MODES)[number];

const INITS = new Set(['/sbin/init', '/usr/sbin/init', '/usr/local/sbin/init']);

export function systemdModeOn(mode: SystemdMode, args: string[]): boolean {
  if (mode !== 'true') return mode === 'always';
  const cmd = args.length > 2 && args[0] === '/bin/sh' && args[1] === '-c' ? args.slice(2) : args;
  return cmd.length > 0 && (INITS.has(cmd[0]) || path.basename(cmd[0]) === 'systemd');
}
