// The flags that name a host path, declared once: the monitor's option table
// (config/monitor-options.ts) and every command that takes one (cli/flag-option.ts) use these, with
// the default of the host they run on (host.ts).
import type { Host, HostPaths } from './host';

export type HostPathName = keyof Pick<
  HostPaths,
  'stateDir' | 'storeRoot' | 'volumesDir' | 'secretsDir' | 'networksDir' | 'updateDir' | 'hooksDir'
>;

export interface HostPathFlag {
  flag: string;
  arg: string;
  help: string;
  /** The default: this path of the host. */
  hostPath: HostPathName;
}

export const HOST_PATH_FLAGS = {
  storeRoot: { flag: '--root', arg: '<dir>', help: 'the image store', hostPath: 'storeRoot' },
  stateDir: {
    flag: '--state-dir',
    arg: '<dir>',
    help: "the monitors' state directory: state files, sockets, derived bundles and the events' fallback file",
    hostPath: 'stateDir',
  },
  volumesDir: { flag: '--volumes-dir', arg: '<dir>', help: 'named volumes: <dir>/<name>/_data', hostPath: 'volumesDir' },
  secretsDir: { flag: '--secrets-dir', arg: '<dir>', help: 'secrets, readable by their owner only', hostPath: 'secretsDir' },
  networksDir: {
    flag: '--networks-dir',
    arg: '<dir>',
    help: "network definitions, <dir>/<name>.json in podman's shape",
    hostPath: 'networksDir',
  },
  updateDir: { flag: '--update-dir', arg: '<dir>', help: "auto-update's own records: lock, intent, quarantine", hostPath: 'updateDir' },
  hooksDir: { flag: '--hooks-dir', arg: '<dir>', help: 'hooks: <dir>/updated.d and <dir>/rolled-back.d', hostPath: 'hooksDir' },
} as const satisfies Record<HostPathName, HostPathFlag>;

/** A flag's default on this host: its host path, or the default it declares. */
export function flagDefault(spec: { default?: string; hostPath?: HostPathName }, host: Host): string | undefined {
  return spec.hostPath === undefined ? spec.default : host.paths[spec.hostPath];
}
