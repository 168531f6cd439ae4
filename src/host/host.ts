// The host ctrmon runs on, described once per process (cli/program.ts, the generator's entry) and
// passed down: who runs ctrmon, which systemd manager it serves, and every default path that follows.
//
// - rootless: ctrmon does not run as root (uid != 0). Root keeps the system's paths: state in
//   /run/ctrmon, the image store in /var/lib/ctrmon (named volumes and secrets in its volumes/ and
//   secrets/, as podman keeps them beside its storage), auto-update's records in
//   /var/lib/ctrmon/auto-update, its hooks in /etc/ctrmon/auto-update. A user's are where podman and
//   crun keep theirs: state in $XDG_RUNTIME_DIR/ctrmon (unset: /run/user/<uid>, the directory
//   pam_systemd makes for the user), the store and the records in $XDG_DATA_HOME/ctrmon
//   (~/.local/share/ctrmon), the hooks in $XDG_CONFIG_HOME/ctrmon (~/.config/ctrmon).
// - manager: the user's systemd manager when ctrmon is not root, or when systemd runs it as a user
//   generator (SYSTEMD_SCOPE=user: root has a user manager too); else the system's. The manager
//   decides where .container files are read (the generator's search directories), where
//   `generate auto-update --install` writes units, and which manager the systemd client talks to.
//   Paths of the user manager as the generator has always read them: $XDG_RUNTIME_DIR/ctrmon/systemd
//   (only when set) and $XDG_CONFIG_HOME/ctrmon/systemd; units into $XDG_CONFIG_HOME/systemd/user.
//
// Not host paths: the journal's socket (logs/journald.ts) is journald's one socket for system and
// user services alike, and the events' fallback file lives in whatever state directory is given.
//
// Pure: it reads only the environment and uid it is given (and, when HOME is unset and a user path
// needs it, the passwd entry's home, as podman does), so a test describes a user host as root.
import * as os from 'node:os';
import * as path from 'node:path';

export type Manager = 'system' | 'user';

export interface HostPaths {
  /** The monitors' state: <stateDir>/<name>/state.json, sockets, derived bundles. */
  stateDir: string;
  /** The image store. */
  storeRoot: string;
  /** Named volumes: <volumesDir>/<name>/_data, as podman's local driver keeps them. */
  volumesDir: string;
  /** Secrets, root-only (or the user's only): <secretsDir>/<name>/. */
  secretsDir: string;
  /** auto-update's own records: lock, intent, quarantine. */
  updateDir: string;
  /** auto-update's hooks: <hooksDir>/updated.d and <hooksDir>/rolled-back.d. */
  hooksDir: string;
  /** Where the generator reads .container files, the first of a name winning. */
  searchDirs: string[];
  /** Where `generate auto-update --install` writes units for the manager. */
  unitDir: string;
}

export interface Host {
  rootless: boolean;
  manager: Manager;
  paths: HostPaths;
}

const SYSTEM = {
  stateDir: '/run/ctrmon',
  storeRoot: '/var/lib/ctrmon',
  volumesDir: '/var/lib/ctrmon/volumes',
  secretsDir: '/var/lib/ctrmon/secrets',
  updateDir: '/var/lib/ctrmon/auto-update',
  hooksDir: '/etc/ctrmon/auto-update',
  /** /run for transient files, /etc for the administrator's, /usr/share for packages'. */
  searchDirs: ['/run/ctrmon/systemd', '/etc/ctrmon/systemd', '/usr/share/ctrmon/systemd'],
  unitDir: '/etc/systemd/system',
};

export function describeHost(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? 0): Host {
  const rootless = uid !== 0;
  const manager: Manager = rootless || env.SYSTEMD_SCOPE === 'user' ? 'user' : 'system';
  const home = () => env.HOME || os.homedir();
  const configHome = () => env.XDG_CONFIG_HOME || path.join(home(), '.config');
  const dataHome = () => env.XDG_DATA_HOME || path.join(home(), '.local', 'share');
  const data = rootless
    ? {
        stateDir: path.join(env.XDG_RUNTIME_DIR || `/run/user/${uid}`, 'ctrmon'),
        storeRoot: path.join(dataHome(), 'ctrmon'),
        volumesDir: path.join(dataHome(), 'ctrmon', 'volumes'),
        secretsDir: path.join(dataHome(), 'ctrmon', 'secrets'),
        updateDir: path.join(dataHome(), 'ctrmon', 'auto-update'),
        hooksDir: path.join(configHome(), 'ctrmon', 'auto-update'),
      }
    : {
        stateDir: SYSTEM.stateDir,
        storeRoot: SYSTEM.storeRoot,
        volumesDir: SYSTEM.volumesDir,
        secretsDir: SYSTEM.secretsDir,
        updateDir: SYSTEM.updateDir,
        hooksDir: SYSTEM.hooksDir,
      };
  const units =
    manager === 'system'
      ? { searchDirs: [...SYSTEM.searchDirs], unitDir: SYSTEM.unitDir }
      : {
          searchDirs: [
            ...(env.XDG_RUNTIME_DIR ? [path.join(env.XDG_RUNTIME_DIR, 'ctrmon', 'systemd')] : []),
            path.join(configHome(), 'ctrmon', 'systemd'),
          ],
          unitDir: path.join(configHome(), 'systemd', 'user'),
        };
  return { rootless, manager, paths: { ...data, ...units } };
}
