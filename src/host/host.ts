// The host ctrmon runs on, described once per process (cli/program.ts, the generator's entry) and
// passed down: who runs ctrmon, which systemd manager it serves, and every default path that follows.
//
// - rootless: ctrmon does not run as root (uid != 0). Root keeps the system's paths: state in
//   /run/ctrmon, the image store in /var/lib/ctrmon (named volumes and secrets in its volumes/ and
//   secrets/, as podman keeps them beside its storage), network definitions in /etc/ctrmon/networks
//   (as podman keeps its own in /etc/containers/networks), auto-update's records in
//   /var/lib/ctrmon/auto-update, its hooks in /etc/ctrmon/auto-update. A user's are where podman and
//   crun keep theirs: state in $XDG_RUNTIME_DIR/ctrmon (unset: /run/user/<uid>, the directory
//   pam_systemd makes for the user), the store and the records in $XDG_DATA_HOME/ctrmon
//   (~/.local/share/ctrmon), the hooks and network definitions in $XDG_CONFIG_HOME/ctrmon (~/.config/ctrmon).
// - manager: the user's systemd manager when ctrmon is not root, or when systemd runs it as a user
//   generator (SYSTEMD_SCOPE=user: root has a user manager too); else the system's. The manager
//   decides where .container files are read (the generator's search directories), where
//   `generate auto-update --install` writes units, and which manager the systemd client talks to.
//   The search directories are ctrmon's own and podman's Quadlet directories, tier by tier in the
//   order podman-systemd.unit(5) gives (/run, /etc, /usr/share; for a user: $XDG_RUNTIME_DIR (only
//   when set), $XDG_CONFIG_HOME, then /etc/containers/systemd/users/<uid> and users/), ctrmon's
//   first in each tier; QUADLET_UNIT_DIRS (colon-separated absolute paths), when set, replaces them all, as it
//   does for podman. A user manager's units go into $XDG_CONFIG_HOME/systemd/user.
//
// Not host paths: the journal's socket (logs/journald.ts) is journald's one socket for system and
// user services alike, and the events' fallback file lives in whatever state directory is given.
//
// Pure: it reads only the environment and uid it is given (and, when HOME is unset and a user path
// needs it, the passwd entry's home, as podman does), so a test describes a user host as root.
import * as os from 'node:os';
import * as path from 'node:path';

export type Manager = 'system' | 'user';

/** A directory the generator reads .container files from, its subdirectories included. */
export interface SearchDir {
  path: string;
  /** podman's Quadlet directory: its files are left to podman's generator where that is installed. */
  podman: boolean;
  /** Subdirectories (relative to path) that belong to someone else: the system's users/ tree, other users' users/<uid>. */
  exclude?: RegExp;
}

export interface HostPaths {
  /** The monitors' state: <stateDir>/<name>/state.json, sockets, derived bundles. */
  stateDir: string;
  /** The image store. */
  storeRoot: string;
  /** Named volumes: <volumesDir>/<name>/_data, as podman's local driver keeps them. */
  volumesDir: string;
  /** Secrets, root-only (or the user's only): <secretsDir>/<name>/. */
  secretsDir: string;
  /** Network definitions: <networksDir>/<name>.json, in podman's shape. */
  networksDir: string;
  /** auto-update's own records: lock, intent, quarantine. */
  updateDir: string;
  /** auto-update's hooks: <hooksDir>/updated.d and <hooksDir>/rolled-back.d. */
  hooksDir: string;
  /** Where the generator reads .container files, the first of a name winning. */
  searchDirs: SearchDir[];
  /** podman's own Quadlet generators for the manager: where one exists, podman's directories are its. */
  podmanGenerators: string[];
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
  networksDir: '/etc/ctrmon/networks',
  updateDir: '/var/lib/ctrmon/auto-update',
  hooksDir: '/etc/ctrmon/auto-update',
  /** /run for transient files, /etc for the administrator's, /usr/share for packages': ctrmon's, then podman's. */
  searchDirs: [
    { path: '/run/ctrmon/systemd', podman: false },
    { path: '/run/containers/systemd', podman: true },
    { path: '/etc/ctrmon/systemd', podman: false },
    { path: '/etc/containers/systemd', podman: true, exclude: /^users$/ },
    { path: '/usr/share/ctrmon/systemd', podman: false },
    { path: '/usr/share/containers/systemd', podman: true },
  ],
  unitDir: '/etc/systemd/system',
};

/** Where podman installs its Quadlet generator (the system's, the users', and the binary both link to). */
const PODMAN_GENERATORS = {
  system: ['/usr/lib/systemd/system-generators/podman-system-generator', '/usr/libexec/podman/quadlet'],
  user: ['/usr/lib/systemd/user-generators/podman-user-generator', '/usr/libexec/podman/quadlet'],
};

function userSearchDirs(env: NodeJS.ProcessEnv, uid: number, configHome: string): SearchDir[] {
  const tiers = [...(env.XDG_RUNTIME_DIR ? [env.XDG_RUNTIME_DIR] : []), configHome];
  return [
    ...tiers.flatMap((base) => [
      { path: path.join(base, 'ctrmon', 'systemd'), podman: false },
      { path: path.join(base, 'containers', 'systemd'), podman: true },
    ]),
    { path: `/etc/containers/systemd/users/${uid}`, podman: true },
    { path: '/etc/containers/systemd/users', podman: true, exclude: /^\d+$/ },
  ];
}

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
        networksDir: path.join(configHome(), 'ctrmon', 'networks'),
        updateDir: path.join(dataHome(), 'ctrmon', 'auto-update'),
        hooksDir: path.join(configHome(), 'ctrmon', 'auto-update'),
      }
    : {
        stateDir: SYSTEM.stateDir,
        storeRoot: SYSTEM.storeRoot,
        volumesDir: SYSTEM.volumesDir,
        secretsDir: SYSTEM.secretsDir,
        networksDir: SYSTEM.networksDir,
        updateDir: SYSTEM.updateDir,
        hooksDir: SYSTEM.hooksDir,
      };
  const units =
    manager === 'system'
      ? { searchDirs: [...SYSTEM.searchDirs], unitDir: SYSTEM.unitDir }
      : { searchDirs: userSearchDirs(env, uid, configHome()), unitDir: path.join(configHome(), 'systemd', 'user') };
  if (env.QUADLET_UNIT_DIRS) {
    units.searchDirs = env.QUADLET_UNIT_DIRS.split(':')
      .filter((dir) => path.isAbsolute(dir))
      .map((dir) => ({ path: dir, podman: true }));
  }
  return { rootless, manager, paths: { ...data, ...units, podmanGenerators: [...PODMAN_GENERATORS[manager]] } };
}
