// Every `ctrmon monitor` option, declared once: its flags, help, default, the .container key it
// comes from, its parser, and how it is written back into a unit's ExecStart. The command line
// (cli/monitor-options.ts), the monitor, the unit generator and the .container parser all derive
// from MONITOR_OPTIONS, so adding an option is one entry here. Nothing here loads the native
// addon or pino: the systemd generator runs this at every boot.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError } from '../errors';
import { HOST_PATH_FLAGS, type HostPathName, flagDefault } from '../host/flags';
import type { Host } from '../host/host';
import { LOG_LEVELS, type LogLevel } from '../log';
import { LOG_DRIVERS, type LogDriverName } from '../logs/driver';
import { logTag } from '../logs/journald';
import { CGROUP_MODES, type CgroupMode } from '../process/cgroup';
import {
  HEALTH_FAILURE_ACTIONS,
  type HealthFailureAction,
  type HealthOptions,
  type StartupProbeOptions,
  parseHealthCommand,
} from '../health/health-check';
import { PULL_POLICIES, type PullPolicy } from '../image/pull';
import { parseReference } from '../image/reference';
import { READINESS, SDNOTIFY_MODES, type SdNotifyMode } from '../notify/readiness';
import { IMAGE_DEFAULTS } from '../spec/image-base';
import { SYSTEMD_MODES, type SystemdMode } from '../spec/steps/systemd-mode';
import type { SecretRequest } from '../secret/provide';
import type { Device } from '../spec/steps/devices';
import type { Tmpfs } from '../spec/steps/tmpfs';
import type { Volume } from '../spec/steps/volumes';
import { FORWARDED_SIGNALS } from '../signal-numbers';
import { AUTO_UPDATE_LABEL, checkUpdatable } from '../update/policy';
import { mergeCapabilities, normalizeCapability } from '../spec/capabilities';
import type { Rlimit } from '../spec/steps/rlimits';
import {
  ULIMIT_NAMES,
  type SecurityOptions,
  absoluteUnlessSpecifier,
  besideFile,
  checkGroup,
  checkHostname,
  checkTimezone,
  checkUser,
  checkWorkdir,
  parseEntrypoint,
  parsePidsLimit,
  parsePositiveSize,
  parseSecurityOptions,
  parseSysctls,
  parseUlimit,
} from './process-values';
import { formatDevice, parseDevice } from './device-value';
import { formatTmpfs, formatVolume, parseMount, parseTmpfs, parseVolume } from './mount-values';
import {
  badOption,
  checkName,
  formatMs,
  oneOf,
  booleanOf,
  parseBoolean,
  parseCount,
  parseDuration,
  parseEnv,
  parseLabels,
  parseSignal,
  parseSize,
} from './parse';
import { checkAddress, checkAlias, checkNetworkMode, isBridged, networkMode } from './network-values';
import { quadletMount, quadletVolume } from './quadlet-volume';
import { parseExpose, parsePublish } from '../network/ports';
import { type DnsSettings, checkDnsServer, parseAddHost } from '../network/etc-files';
import { formatSecret, parseSecret } from './secret-value';

export const DEFAULT_STOP_SIGNAL = 'SIGTERM';

/** The options as the command line (or a .container file) gave them: commander's attribute names. */
export type RawMonitorOptions = Record<string, string | string[] | undefined>;

/** Where a .container value is read: the file (relative paths are relative to it) and the value's words. */
export interface ContainerKeyContext {
  file: string;
  words: () => string[];
  /** What a Quadlet .volume or .image file named in a value stands for (data.volume: its volume's name). */
  quadlet: (name: string) => string;
}

/** One command-line flag. */
export interface FlagSpec {
  /** '--stop-timeout'; commander's attribute is its camelCase form. */
  flag: string;
  short?: string;
  /** '<seconds>'; '' for a switch, which takes no value. */
  arg: string;
  help: string;
  /** The value used when the flag is absent, as a user would write it. */
  default?: string;
  /** The default is this path of the host ctrmon runs on (host/host.ts), instead. */
  hostPath?: HostPathName;
  choices?: readonly string[];
  repeatable?: boolean;
  /** Checks one value as given; the .container parser calls it to report the file's line. */
  check?: (value: string) => void;
  /** .container keys that set this flag, each with the values it gives (default: the value; repeatable: its words). */
  containerKeys?: Record<string, ((value: string, ctx: ContainerKeyContext) => string[]) | null>;
}

/** One option of MonitorOptions: its flags, how their values become the option, and how it is written back. */
interface OptionSpec<T> {
  flags: FlagSpec[];
  /** own: the environment a bare --env KEY is copied from; null for a unit's, known only when it starts. */
  parse(get: ValueGetter, own: NodeJS.ProcessEnv | null): T;
  /** ExecStart arguments that give this value on host; none when it is the default. */
  write(value: T, host: Host): string[];
}

interface ValueGetter {
  /** The flag's value, or its default. */
  one(flag: string): string | undefined;
  many(flag: string): string[];
  /** The flag has a value other than its default (the command line fills in defaults). */
  changed(flag: string): boolean;
}

/** Where a check takes named volumes to live: a value's validity does not depend on it. */
const ANY_DIR = '/';

const flagOf = (spec: FlagSpec, value: string) => [spec.flag, value];

/** A check that parses a value, as a converter that keeps the text (written back as given). */
function checked(parse: (value: string) => unknown): (value: string) => string {
  return (value) => {
    parse(value);
    return value;
  };
}

function option<T>(spec: OptionSpec<T>): OptionSpec<T> {
  return spec;
}

/** The .container Notify= values, each with the mode it selects. */
const SDNOTIFY_KEYS = new Map<string, SdNotifyMode>();
for (const mode of SDNOTIFY_MODES) {
  const key = READINESS[mode].notifyKey;
  if (key !== null) SDNOTIFY_KEYS.set(key, mode);
}

const words = (_v: string, ctx: ContainerKeyContext) => ctx.words();
const keyValues = (_v: string, ctx: ContainerKeyContext) => {
  const list = ctx.words();
  for (const item of list) if (!/^[^=\s]+=/.test(item)) throw new CtrmonError('ERR_INVALID_OPTION', `"${item}" is not KEY=VALUE`);
  return list;
};
/** Environment=: KEY=VALUE words, or KEY alone, which the monitor copies from the unit's environment (as podman does). */
const envAssignments = (_v: string, ctx: ContainerKeyContext) => {
  const list = ctx.words();
  for (const item of list)
    if (!/^[^=\s]+(=|$)/.test(item)) throw new CtrmonError('ERR_INVALID_OPTION', `"${item}" is not KEY=VALUE or KEY`);
  return list;
};

const HEALTH_FLAGS = {
  cmd: {
    flag: '--health-cmd',
    arg: '<command>',
    help: 'health check run in the container: a shell command or a JSON array',
    containerKeys: { HealthCmd: null },
  },
  interval: {
    flag: '--health-interval',
    arg: '<duration>',
    help: 'time between health checks',
    default: '30s',
    containerKeys: { HealthInterval: null },
  },
  timeout: {
    flag: '--health-timeout',
    arg: '<duration>',
    help: 'how long one health check may run',
    default: '30s',
    containerKeys: { HealthTimeout: null },
  },
  retries: {
    flag: '--health-retries',
    arg: '<n>',
    help: 'consecutive failures before unhealthy',
    default: '3',
    containerKeys: { HealthRetries: null },
  },
  startPeriod: {
    flag: '--health-start-period',
    arg: '<duration>',
    help: 'failures in this initial period do not count',
    default: '0s',
    containerKeys: { HealthStartPeriod: null },
  },
} satisfies Record<string, FlagSpec>;
for (const f of [HEALTH_FLAGS.interval, HEALTH_FLAGS.timeout, HEALTH_FLAGS.startPeriod] as FlagSpec[])
  f.check = (v) => parseDuration(f.flag, v);
(HEALTH_FLAGS.retries as FlagSpec).check = (v) => parseCount('--health-retries', v);

/** podman's startup probe: its own command, interval, timeout, and the runs in a row that end it either way. */
const HEALTH_STARTUP_FLAGS = {
  cmd: {
    flag: '--health-startup-cmd',
    arg: '<command>',
    help: 'startup health check, run until it passes before the regular checks begin: a shell command or a JSON array',
    containerKeys: { HealthStartupCmd: null },
  },
  interval: {
    flag: '--health-startup-interval',
    arg: '<duration>',
    help: 'time between startup health checks',
    default: '30s',
    containerKeys: { HealthStartupInterval: null },
  },
  timeout: {
    flag: '--health-startup-timeout',
    arg: '<duration>',
    help: 'how long one startup health check may run',
    default: '30s',
    containerKeys: { HealthStartupTimeout: null },
  },
  retries: {
    flag: '--health-startup-retries',
    arg: '<n>',
    help: 'consecutive startup check failures that restart the container (0: never)',
    default: '0',
    containerKeys: { HealthStartupRetries: null },
  },
  success: {
    flag: '--health-startup-success',
    arg: '<n>',
    help: 'consecutive startup check passes that end the startup check (0: the first pass)',
    default: '0',
    containerKeys: { HealthStartupSuccess: null },
  },
} satisfies Record<string, FlagSpec>;
for (const f of [HEALTH_STARTUP_FLAGS.interval, HEALTH_STARTUP_FLAGS.timeout] as FlagSpec[]) f.check = (v) => parseDuration(f.flag, v);
for (const f of [HEALTH_STARTUP_FLAGS.retries, HEALTH_STARTUP_FLAGS.success] as FlagSpec[]) f.check = (v) => parseCount(f.flag, v, 0);

/** podman's --retry and --retry-delay for the monitor's pulls; undefined: the registry client's own. */
export interface PullRetry {
  retries: number | undefined;
  delayMs: number | undefined;
}

/** The `ctrmon pull` (and `ctrmon monitor`) arguments that give r. */
export function pullRetryArgs(r: PullRetry): string[] {
  return [
    ...(r.retries === undefined ? [] : ['--retry', String(r.retries)]),
    ...(r.delayMs === undefined ? [] : ['--retry-delay', formatMs(r.delayMs)]),
  ];
}

/** What the unit's ExecReload= does: run a command in the container, or send it a signal. */
export type ReloadAction = { command: string[] } | { signal: NodeJS.Signals };

const RUNTIME_FLAG: FlagSpec = {
  flag: '--runtime',
  arg: '<name|path>',
  help: 'OCI runtime: crun, runc or a path (default: crun where it works on this host, else runc)',
  containerKeys: { Runtime: null },
};

export const MONITOR_OPTIONS = {
  bundle: option<string | undefined>({
    flags: [
      {
        flag: '--bundle',
        arg: '<dir>',
        help: 'OCI bundle (config.json + rootfs); never modified',
        containerKeys: { Bundle: (v, ctx) => [path.resolve(path.dirname(ctx.file), v)] },
      },
    ],
    parse: (get) => {
      const bundle = get.one('--bundle');
      const image = get.one('--image');
      if (bundle && image) throw new CtrmonError('ERR_INVALID_OPTION', '--bundle and --image exclude each other: run one container source');
      if (!bundle && !image) {
        throw new CtrmonError(
          'ERR_INVALID_OPTION',
          '--bundle is required: the OCI bundle directory to run (or --image, an image reference)',
        );
      }
      return bundle ? path.resolve(bundle) : undefined;
    },
    write: (v) => (v === undefined ? [] : ['--bundle', v]),
  }),
  image: option<string | undefined>({
    flags: [
      {
        flag: '--image',
        arg: '<reference>',
        help: 'run an image from the store (pulled as --pull says)',
        containerKeys: { Image: (v, ctx) => [/\.(image|build)$/.test(v) ? ctx.quadlet(v) : v] },
        check: (v) => parseReference(v),
      },
    ],
    parse: (get) => {
      const image = get.one('--image');
      if (image !== undefined) parseReference(image);
      return image;
    },
    write: (v) => (v === undefined ? [] : ['--image', v]),
  }),
  pull: option<PullPolicy>({
    flags: [
      {
        flag: '--pull',
        arg: '<policy>',
        help:
          'with --image (a bundle is not pulled): pull at every start (always), when not stored (missing), never, ' +
          'or when the registry has a newer one (newer)',
        choices: PULL_POLICIES,
        default: 'missing',
        containerKeys: { Pull: null },
      },
    ],
    parse: (get) => oneOf('--pull', needsImage(get, '--pull', 'a bundle is not pulled'), PULL_POLICIES),
    write: (v) => (v === 'missing' ? [] : ['--pull', v]),
  }),
  volumes: option<Volume[]>({
    flags: [
      {
        flag: '--volume',
        short: '-v',
        arg: '<source:ctr[:opts]>',
        help:
          'bind-mount a host path, or a named volume (made on first use), into the container, over its own mounts; ' +
          'opts: ro, rw, z, Z (repeatable)',
        repeatable: true,
        containerKeys: { Volume: quadletVolume },
        check: (v) => parseVolume(v, ANY_DIR),
      },
      {
        flag: '--mount',
        arg: '<type=...>',
        help: "podman's --mount: type=bind, volume or tmpfs, with source=, target= and ro (repeatable)",
        repeatable: true,
        containerKeys: { Mount: quadletMount },
        check: (v) => parseMount(v, ANY_DIR),
      },
    ],
    parse: (get) => {
      const dir = path.resolve(get.one('--volumes-dir')!);
      const mounted = get.many('--mount').flatMap((m) => {
        const value = parseMount(m, dir);
        return 'volume' in value ? [value.volume] : [];
      });
      return [...get.many('--volume').map((v) => parseVolume(v, dir)), ...mounted];
    },
    write: (v) => v.flatMap((vol) => ['--volume', formatVolume(vol)]),
  }),
  // Undefined unless a named volume is mounted (so a unit names the directory only where it matters).
  volumesDir: option<string | undefined>({
    flags: [HOST_PATH_FLAGS.volumesDir],
    parse: (get) => {
      const dir = path.resolve(get.one('--volumes-dir')!);
      const named =
        get.many('--volume').some((v) => parseVolume(v, dir).volume !== undefined) ||
        get.many('--mount').some((m) => /(^|,)type=volume(,|$)/.test(m));
      return named ? dir : undefined;
    },
    write: (v, host) => (v === undefined || v === host.paths.volumesDir ? [] : ['--volumes-dir', v]),
  }),
  tmpfs: option<Tmpfs[]>({
    flags: [
      {
        flag: '--tmpfs',
        arg: '<ctr[:opts]>',
        help: "a tmpfs at this container path, with podman's options (default rw,noexec,nosuid,nodev) (repeatable)",
        repeatable: true,
        containerKeys: {
          Tmpfs: (v) => [v],
          // Quadlet's VolatileTmp=true: podman's own words for it.
          VolatileTmp: (v) => (parseBoolean('VolatileTmp', v) ? ['/tmp:rw,size=512M,mode=1777'] : []),
        },
        check: (v) => parseTmpfs(v),
      },
    ],
    // --mount type=tmpfs is a tmpfs too (the --mount flag is the volumes option's).
    parse: (get) => [
      ...get.many('--tmpfs').map(parseTmpfs),
      ...get.many('--mount').flatMap((m) => {
        const value = parseMount(m, get.one('--volumes-dir')!);
        return 'tmpfs' in value ? [value.tmpfs] : [];
      }),
    ],
    write: (v) => v.flatMap((t) => ['--tmpfs', formatTmpfs(t)]),
  }),
  // Undefined: the config's own root.readonly (an image's is writable).
  readOnly: option<boolean | undefined>({
    flags: [
      {
        flag: '--read-only',
        arg: '<bool>',
        help: "mount the container's root filesystem read-only (default: as the config has it; an image's is writable)",
        containerKeys: { ReadOnly: null },
        check: (v) => parseBoolean('--read-only', v),
      },
    ],
    parse: (get) => {
      const value = get.one('--read-only');
      return value === undefined ? undefined : parseBoolean('--read-only', value);
    },
    write: (v) => (v === undefined ? [] : ['--read-only', String(v)]),
  }),
  readOnlyTmpfs: option<boolean>({
    flags: [
      {
        flag: '--read-only-tmpfs',
        arg: '<bool>',
        help: 'with --read-only true: a writable tmpfs on /tmp, /var/tmp and /run where nothing else is mounted',
        default: 'true',
        containerKeys: { ReadOnlyTmpfs: null },
        check: (v) => parseBoolean('--read-only-tmpfs', v),
      },
    ],
    parse: (get) => parseBoolean('--read-only-tmpfs', get.one('--read-only-tmpfs')!),
    write: (v) => (v ? [] : ['--read-only-tmpfs', 'false']),
  }),
  devices: option<Device[]>({
    flags: [
      {
        flag: '--device',
        arg: '<host[:ctr][:rwm]>',
        help: 'a host device node in the container, with cgroup permissions (default rwm) (repeatable)',
        repeatable: true,
        containerKeys: {
          // Quadlet: a leading - adds the device only if it exists when the unit is generated.
          AddDevice: (v) => (v.startsWith('-') ? (existsSync(v.slice(1).split(':')[0]) ? [v.slice(1)] : []) : [v]),
        },
        check: (v) => parseDevice(v),
      },
    ],
    parse: (get) => get.many('--device').map(parseDevice),
    write: (v) => v.flatMap((d) => ['--device', formatDevice(d)]),
  }),
  mask: option<string[]>({
    flags: [
      {
        flag: '--mask',
        arg: '<path[:path...]>',
        help: "podman's --security-opt mask=: paths made inaccessible in the container, over the config's maskedPaths",
        containerKeys: { Mask: null },
        check: (v) => parsePaths('--mask', v, false),
      },
    ],
    parse: (get) => parsePaths('--mask', get.one('--mask'), false),
    write: (v) => (v.length ? ['--mask', v.join(':')] : []),
  }),
  unmask: option<string[]>({
    flags: [
      {
        flag: '--unmask',
        arg: '<ALL|path[:path...]>',
        help: "podman's --security-opt unmask=: paths (globs too) taken out of the config's maskedPaths and readonlyPaths; ALL: every one",
        containerKeys: { Unmask: null },
        check: (v) => parsePaths('--unmask', v, true),
      },
    ],
    parse: (get) => parsePaths('--unmask', get.one('--unmask'), true),
    write: (v) => (v.length ? ['--unmask', v.join(':')] : []),
  }),
  secrets: option<SecretRequest[]>({
    flags: [
      {
        flag: '--secret',
        arg: '<secret>',
        help:
          'a secret of ctrmon secret: a read-only file at /run/secrets/<name> (opts target=, uid=, gid=, mode=), ' +
          'or with type=env an environment variable (target=) (repeatable)',
        repeatable: true,
        containerKeys: { Secret: (v) => [v] },
        check: (v) => parseSecret(v),
      },
    ],
    parse: (get) => get.many('--secret').map(parseSecret),
    write: (v) => v.flatMap((s) => ['--secret', formatSecret(s)]),
  }),
  // Undefined unless a secret is given.
  secretsDir: option<string | undefined>({
    flags: [HOST_PATH_FLAGS.secretsDir],
    parse: (get) => (get.many('--secret').length ? path.resolve(get.one('--secrets-dir')!) : undefined),
    write: (v, host) => (v === undefined || v === host.paths.secretsDir ? [] : ['--secrets-dir', v]),
  }),
  // Undefined: the source's own (an image's default; a bundle's namespaces as its config has them).
  // host, none, bridge (the default network) or a network's name (network/definition.ts).
  network: option<string | undefined>({
    flags: [
      {
        flag: '--network',
        arg: '<mode>',
        help:
          "host (the host's network; an image's default), none (only lo), bridge (the default network, podman's " +
          "10.88.0.0/16) or a network's name (ctrmon network create); a bundle keeps its own network namespace unless " +
          'this is given; --publish alone means bridge',
        containerKeys: { Network: (v, ctx) => [/\.network$/.test(v) ? ctx.quadlet(v) : v] },
        check: checkNetworkMode,
      },
    ],
    parse: (get) => networkOf(get),
    write: (v) => (v === undefined ? [] : ['--network', v]),
  }),
  publish: repeatedValue(
    {
      flag: '--publish',
      short: '-p',
      arg: '<[ip:][hostPort:]containerPort[/proto]>',
      help: "publish a container port on the host (a bridged network's; ranges, tcp or udp, IPv6 in brackets) (repeatable)",
      containerKeys: { PublishPort: words },
    },
    checked(parsePublish),
  ),
  expose: repeatedValue(
    {
      flag: '--expose',
      arg: '<port[-end][/proto]>',
      help: 'record a port the container serves, as podman does (shown by ctrmon inspect; not published) (repeatable)',
      containerKeys: { ExposeHostPort: words },
    },
    checked(parseExpose),
  ),
  ips: option<string[]>({
    flags: [
      {
        flag: '--ip',
        arg: '<address>',
        help: "the container's IPv4 address on its network",
        containerKeys: { IP: null },
        check: (v) => checkAddress('--ip', v),
      },
      {
        flag: '--ip6',
        arg: '<address>',
        help: "the container's IPv6 address on its network",
        containerKeys: { IP6: null },
        check: (v) => checkAddress('--ip6', v),
      },
    ],
    parse: (get) => [
      ...[get.one('--ip')].filter((v) => v !== undefined).map((v) => checkAddress('--ip', v!)),
      ...[get.one('--ip6')].filter((v) => v !== undefined).map((v) => checkAddress('--ip6', v!)),
    ],
    write: (v) => v.flatMap((a) => [a.includes(':') ? '--ip6' : '--ip', a]),
  }),
  networkAliases: repeatedValue(
    {
      flag: '--network-alias',
      arg: '<name>',
      help: "another name the container's network resolves to it (aardvark-dns) (repeatable)",
      containerKeys: { NetworkAlias: words },
    },
    checkAlias,
  ),
  dns: option<DnsSettings>({
    flags: [
      {
        flag: '--dns',
        arg: '<address>',
        help: "a nameserver of the container's resolv.conf (repeatable)",
        repeatable: true,
        containerKeys: { DNS: words },
        check: checkDnsServer,
      },
      {
        flag: '--dns-search',
        arg: '<domain>',
        help: "a search domain of the container's resolv.conf (repeatable)",
        repeatable: true,
        containerKeys: { DNSSearch: words },
      },
      {
        flag: '--dns-option',
        arg: '<option>',
        help: "an option of the container's resolv.conf, such as ndots:2 (repeatable)",
        repeatable: true,
        containerKeys: { DNSOption: words },
      },
    ],
    parse: (get) => ({
      servers: get.many('--dns').map(checkDnsServer),
      search: get.many('--dns-search'),
      options: get.many('--dns-option'),
    }),
    write: (v) => [
      ...v.servers.flatMap((s) => ['--dns', s]),
      ...v.search.flatMap((s) => ['--dns-search', s]),
      ...v.options.flatMap((s) => ['--dns-option', s]),
    ],
  }),
  addHosts: repeatedValue(
    {
      flag: '--add-host',
      arg: '<host:address>',
      help: "a line of the container's /etc/hosts: name[;name...]:address, the address host-gateway for the host (repeatable)",
      containerKeys: { AddHost: words },
    },
    checked(parseAddHost),
  ),
  // Undefined unless the container is on a bridged network.
  networksDir: option<string | undefined>({
    flags: [HOST_PATH_FLAGS.networksDir],
    parse: (get) => (isBridged(networkOf(get)) ? path.resolve(get.one('--networks-dir')!) : undefined),
    write: (v, host) => (v === undefined || v === host.paths.networksDir ? [] : ['--networks-dir', v]),
  }),
  // Undefined: the source's own (an image's default; a bundle: no systemd mode).
  systemd: option<SystemdMode | undefined>({
    flags: [
      {
        flag: '--systemd',
        arg: '<mode>',
        help:
          "podman's systemd mode for an init: true (when the command is an init; an image's default), always or false; " +
          'a bundle gets it only when this is given',
        choices: SYSTEMD_MODES,
      },
    ],
    parse: (get) => sourceDefault(get, '--systemd', SYSTEMD_MODES, IMAGE_DEFAULTS.systemd),
    write: (v) => (v === undefined ? [] : ['--systemd', v]),
  }),
  // Undefined for a bundle, which has no store (so a unit of a bundle never names one).
  storeRoot: option<string | undefined>({
    flags: [HOST_PATH_FLAGS.storeRoot],
    parse: (get) => {
      const root = path.resolve(needsImage(get, '--root', 'a bundle brings its own rootfs'));
      return get.one('--image') === undefined ? undefined : root;
    },
    write: (v, host) => (v === undefined || v === host.paths.storeRoot ? [] : ['--root', v]),
  }),
  sdnotify: option<SdNotifyMode>({
    flags: [
      {
        flag: '--sdnotify',
        arg: '<mode>',
        help:
          'who says READY=1: the application (container), ctrmon once started (conmon), ' +
          'the first passing health check (healthy), or nobody (ignore)',
        choices: SDNOTIFY_MODES,
        default: 'conmon',
        containerKeys: {
          // A boolean in any of systemd's spellings, or healthy (podman: case-insensitive).
          Notify: (v) => {
            const bool = booleanOf(v);
            const mode = SDNOTIFY_KEYS.get(bool === undefined ? v.toLowerCase() : String(bool));
            if (!mode) {
              const keys = [...SDNOTIFY_KEYS.keys()];
              throw new CtrmonError('ERR_INVALID_OPTION', `expected ${keys.slice(0, -1).join(', ')} or ${keys.at(-1)}`);
            }
            return [mode];
          },
        },
      },
    ],
    parse: (get) => oneOf('--sdnotify', get.one('--sdnotify')!, SDNOTIFY_MODES),
    // Always written: the unit's Type= depends on it, so the ExecStart line says it too.
    write: (v) => ['--sdnotify', v],
  }),
  runtime: option<string | undefined>({
    flags: [RUNTIME_FLAG],
    parse: (get) => get.one('--runtime'),
    write: (v) => (v === undefined ? [] : ['--runtime', v]),
  }),
  runtimeArgs: option<string[]>({
    flags: [
      {
        flag: '--runtime-arg',
        arg: '<arg>',
        help: 'global runtime option placed before the verb (repeatable), e.g. --runtime-arg=--cgroup-manager=disabled',
        repeatable: true,
        containerKeys: { RuntimeArgs: words },
      },
    ],
    parse: (get) => get.many('--runtime-arg'),
    // "--flag=value": a runtime option starts with '-' and would otherwise read as one of ours.
    write: (v) => v.map((a) => `--runtime-arg=${a}`),
  }),
  env: option<string[]>({
    flags: [
      {
        flag: '--env',
        short: '-e',
        arg: '<KEY=VALUE>',
        help: 'set an environment variable in the container (repeatable); KEY alone copies it from here',
        repeatable: true,
        containerKeys: { Environment: envAssignments },
      },
    ],
    parse: (get, own) => parseEnv(get.many('--env'), own),
    write: (v) => v.flatMap((e) => ['--env', e]),
  }),
  envFiles: repeatedValue(
    {
      flag: '--env-file',
      arg: '<file>',
      help: 'read environment variables from a file of KEY=VALUE lines at every start, before --env (repeatable)',
      containerKeys: { EnvironmentFile: (_v, ctx) => ctx.words().map((f) => besideFile(f, ctx)) },
    },
    absoluteUnlessSpecifier,
  ),
  envHost: option<boolean>({
    flags: [
      {
        flag: '--env-host',
        arg: '',
        help: "give the container ctrmon's own environment (less what describes ctrmon's place under systemd), under the config's and --env",
        containerKeys: { EnvironmentHost: (v) => (parseBoolean('EnvironmentHost', v) ? ['true'] : []) },
      },
    ],
    parse: (get) => get.one('--env-host') !== undefined,
    write: (v) => (v ? ['--env-host'] : []),
  }),
  user: option<string | undefined>({
    flags: [
      {
        flag: '--user',
        short: '-u',
        arg: '<user[:group]>',
        help: "the user the container runs as, a uid or a name, with a gid or group name (names from the rootfs' /etc/passwd and /etc/group)",
        check: checkUser,
        containerKeys: { User: null },
      },
      {
        flag: '--group',
        arg: '<group>',
        help: "the user's primary group, a gid or a name, instead of the group part of --user (needs --user)",
        check: (v) => checkUser(`0:${v}`),
        containerKeys: { Group: null },
      },
    ],
    parse: (get) => {
      const user = get.one('--user');
      const group = get.one('--group');
      if (group !== undefined && user === undefined) throw badOption('--group', group, 'needs --user (a group without a user is not one)');
      if (user === undefined) return undefined;
      const spec = group === undefined ? user : `${user.split(':')[0]}:${group}`;
      checkUser(spec);
      return spec;
    },
    write: (v) => (v === undefined ? [] : ['--user', v]),
  }),
  groupAdd: repeatedValue(
    {
      flag: '--group-add',
      arg: '<group>',
      help: "an additional group of the container's process, a gid or a name from the rootfs' /etc/group (repeatable)",
      containerKeys: { GroupAdd: words },
    },
    checkGroup,
  ),
  workdir: singleValue(
    {
      flag: '--workdir',
      short: '-w',
      arg: '<dir>',
      help: "the container's working directory, an absolute path (instead of the image's WorkingDir or the bundle's process.cwd)",
      containerKeys: { WorkingDir: null },
    },
    checkWorkdir,
  ),
  entrypoint: singleValue(
    {
      flag: '--entrypoint',
      arg: '<command>',
      help: 'replace the entrypoint (an image\'s, with its Cmd): a command, or a JSON array; "" for none',
      containerKeys: { Entrypoint: null },
    },
    parseEntrypoint,
    JSON.stringify,
  ),
  hostname: singleValue(
    {
      flag: '--hostname',
      arg: '<name>',
      help: "the container's hostname (an image's default: the container's name), in a UTS namespace of its own",
      containerKeys: { HostName: null },
    },
    checkHostname,
  ),
  timezone: singleValue(
    {
      flag: '--tz',
      arg: '<zone>',
      help: "the container's time zone: local (the host's) or a zone of the host's /usr/share/zoneinfo, such as Europe/Berlin",
      containerKeys: { Timezone: null },
    },
    checkTimezone,
  ),
  annotations: option<Record<string, string>>({
    flags: [
      {
        flag: '--annotation',
        arg: '<KEY=VALUE>',
        help: "an annotation in the container's config (repeatable)",
        repeatable: true,
        containerKeys: { Annotation: keyValues },
      },
    ],
    parse: (get) => parseLabels(get.many('--annotation'), '--annotation'),
    write: (v) => Object.entries(v).flatMap(([k, val]) => ['--annotation', `${k}=${val}`]),
  }),
  sysctls: option<Record<string, string>>({
    flags: [
      {
        flag: '--sysctl',
        arg: '<name=value>',
        help: 'a namespaced kernel parameter of the container (net.*, with a network of its own; fs.mqueue.*, kernel.shm* ...) (repeatable)',
        repeatable: true,
        check: (v) => parseSysctls([v]),
        containerKeys: { Sysctl: keyValues },
      },
    ],
    parse: (get) => parseSysctls(get.many('--sysctl')),
    write: (v) => Object.entries(v).flatMap(([k, val]) => ['--sysctl', `${k}=${val}`]),
  }),
  ulimits: option<Rlimit[]>({
    flags: [
      {
        flag: '--ulimit',
        arg: '<name=soft[:hard]>',
        help: "a resource limit of the container's process, by podman's names: nofile, nproc, core, memlock ... (repeatable)",
        repeatable: true,
        check: parseUlimit,
        containerKeys: { Ulimit: (v) => [v] },
      },
    ],
    parse: (get) => get.many('--ulimit').map(parseUlimit),
    write: (v) => v.flatMap((r) => ['--ulimit', `${ULIMIT_NAMES.get(r.type)}=${r.soft}:${r.hard}`]),
  }),
  security: option<SecurityOptions>({
    flags: [
      {
        flag: '--security-opt',
        arg: '<option>',
        help: 'no-new-privileges[=bool], or seccomp=<file.json> (a seccomp profile) or seccomp=unconfined (repeatable)',
        repeatable: true,
        check: (v) => parseSecurityOptions([v]),
        containerKeys: {
          NoNewPrivileges: (v) => (parseBoolean('NoNewPrivileges', v) ? ['no-new-privileges'] : []),
          SeccompProfile: (v, ctx) => [`seccomp=${v === 'unconfined' ? v : besideFile(v, ctx)}`],
        },
      },
    ],
    parse: (get) => parseSecurityOptions(get.many('--security-opt')),
    write: (v) => [
      ...(v.noNewPrivileges === undefined ? [] : ['--security-opt', v.noNewPrivileges ? 'no-new-privileges' : 'no-new-privileges=false']),
      ...(v.seccomp === undefined ? [] : ['--security-opt', `seccomp=${v.seccomp}`]),
    ],
  }),
  capAdd: repeatedValue(
    {
      flag: '--cap-add',
      arg: '<capability>',
      help: 'add a capability (CAP_ optional, any case) or all (repeatable)',
      containerKeys: { AddCapability: words },
    },
    normalizeCapability,
  ),
  capDrop: option<string[]>({
    flags: [
      {
        flag: '--cap-drop',
        arg: '<capability>',
        help: 'drop a capability (CAP_ optional, any case) or all (repeatable)',
        repeatable: true,
        check: normalizeCapability,
        containerKeys: { DropCapability: words },
      },
    ],
    parse: (get) => {
      const drop = get.many('--cap-drop').map(normalizeCapability);
      mergeCapabilities([], get.many('--cap-add').map(normalizeCapability), drop, () => []);
      return drop;
    },
    write: (v) => v.flatMap((c) => ['--cap-drop', c]),
  }),
  pidsLimit: singleValue(
    {
      flag: '--pids-limit',
      arg: '<n>',
      help: 'the most processes and threads the container may have; -1: unlimited',
      containerKeys: { PidsLimit: null },
    },
    parsePidsLimit,
  ),
  memory: singleValue(
    {
      flag: '--memory',
      short: '-m',
      arg: '<size>',
      help: "the container's memory limit (512m, 1g ...); memory and swap together get twice it",
      containerKeys: { Memory: null },
    },
    (v) => parsePositiveSize('--memory', v),
  ),
  shmSize: singleValue(
    {
      flag: '--shm-size',
      arg: '<size>',
      help: 'the size of the tmpfs on /dev/shm (64m, 1g ...; default: 64m for an image)',
      containerKeys: { ShmSize: null },
    },
    (v) => parsePositiveSize('--shm-size', v),
  ),
  labels: option<Record<string, string>>({
    flags: [
      {
        flag: '--label',
        arg: '<KEY=VALUE>',
        help: 'a label recorded in the state file (repeatable)',
        repeatable: true,
        containerKeys: {
          Label: keyValues,
          AutoUpdate: (v) => {
            if (v !== 'registry' && v !== 'local') throw new CtrmonError('ERR_INVALID_OPTION', 'expected registry or local');
            return [`${AUTO_UPDATE_LABEL}=${v}`];
          },
        },
      },
    ],
    parse: (get) => parseLabels(get.many('--label')),
    write: (v) => Object.entries(v).flatMap(([k, val]) => ['--label', `${k}=${val}`]),
  }),
  health: option<HealthOptions | undefined>({
    flags: Object.values(HEALTH_FLAGS),
    parse: (get) => {
      const cmd = get.one('--health-cmd');
      if (cmd === undefined) return undefined;
      const health: HealthOptions = {
        command: parseHealthCommand(cmd),
        intervalMs: parseDuration('--health-interval', get.one('--health-interval')!),
        timeoutMs: parseDuration('--health-timeout', get.one('--health-timeout')!),
        retries: parseCount('--health-retries', get.one('--health-retries')!),
        startPeriodMs: parseDuration('--health-start-period', get.one('--health-start-period')!),
      };
      if (health.intervalMs <= 0) throw badOption('--health-interval', get.one('--health-interval')!, 'must be longer than 0');
      return health;
    },
    write: (h) =>
      h === undefined
        ? []
        : [
            ...flagOf(HEALTH_FLAGS.cmd, JSON.stringify(h.command)),
            ...flagOf(HEALTH_FLAGS.interval, formatMs(h.intervalMs)),
            ...flagOf(HEALTH_FLAGS.timeout, formatMs(h.timeoutMs)),
            ...flagOf(HEALTH_FLAGS.retries, String(h.retries)),
            ...flagOf(HEALTH_FLAGS.startPeriod, formatMs(h.startPeriodMs)),
          ],
  }),
  healthOnFailure: option<HealthFailureAction>({
    flags: [
      {
        flag: '--health-on-failure',
        arg: '<action>',
        help:
          'when the container turns unhealthy: nothing (none), SIGKILL it (kill), stop it gracefully (stop), ' +
          "or stop it and exit non-zero so that the unit's Restart= starts it again (restart)",
        choices: HEALTH_FAILURE_ACTIONS,
        default: 'none',
        containerKeys: { HealthOnFailure: null },
      },
    ],
    parse: (get) => {
      const action = oneOf('--health-on-failure', get.one('--health-on-failure')!, HEALTH_FAILURE_ACTIONS);
      if (action !== 'none' && get.one('--health-cmd') === undefined)
        throw badOption('--health-on-failure', action, 'requires --health-cmd: there is no health to act on');
      return action;
    },
    write: (v) => (v === 'none' ? [] : ['--health-on-failure', v]),
  }),
  healthStartup: option<StartupProbeOptions | undefined>({
    flags: Object.values(HEALTH_STARTUP_FLAGS),
    parse: (get) => {
      const cmd = get.one('--health-startup-cmd');
      if (cmd === undefined) {
        const set = Object.values(HEALTH_STARTUP_FLAGS).find((f) => get.changed(f.flag) && f.flag !== '--health-startup-cmd');
        if (set) throw badOption(set.flag, get.one(set.flag)!, 'only applies with --health-startup-cmd');
        return undefined;
      }
      if (get.one('--health-cmd') === undefined)
        throw badOption('--health-startup-cmd', cmd, 'requires --health-cmd: the regular check follows the startup check');
      const probe: StartupProbeOptions = {
        command: parseHealthCommand(cmd),
        intervalMs: parseDuration('--health-startup-interval', get.one('--health-startup-interval')!),
        timeoutMs: parseDuration('--health-startup-timeout', get.one('--health-startup-timeout')!),
        retries: parseCount('--health-startup-retries', get.one('--health-startup-retries')!, 0),
        successes: parseCount('--health-startup-success', get.one('--health-startup-success')!, 0),
      };
      if (probe.intervalMs <= 0)
        throw badOption('--health-startup-interval', get.one('--health-startup-interval')!, 'must be longer than 0');
      return probe;
    },
    write: (p) =>
      p === undefined
        ? []
        : [
            ...flagOf(HEALTH_STARTUP_FLAGS.cmd, JSON.stringify(p.command)),
            ...flagOf(HEALTH_STARTUP_FLAGS.interval, formatMs(p.intervalMs)),
            ...flagOf(HEALTH_STARTUP_FLAGS.timeout, formatMs(p.timeoutMs)),
            ...flagOf(HEALTH_STARTUP_FLAGS.retries, String(p.retries)),
            ...flagOf(HEALTH_STARTUP_FLAGS.success, String(p.successes)),
          ],
  }),
  // The monitor itself does not use it: the unit's ExecReload= does (systemd/reload.ts).
  reload: option<ReloadAction | undefined>({
    flags: [
      {
        flag: '--reload-cmd',
        arg: '<command>',
        help: "the unit's ExecReload= runs this in the container with `ctrmon exec`: a shell command or a JSON array",
        containerKeys: { ReloadCmd: (_v, ctx) => [JSON.stringify(ctx.words())] },
        check: (v) => parseReloadCommand(v),
      },
      {
        flag: '--reload-signal',
        arg: '<signal>',
        help: `the unit's ExecReload= sends this to the monitor, which forwards it to the container: one of ${FORWARDED_SIGNALS.join(', ')}`,
        containerKeys: { ReloadSignal: null },
        check: (v) => parseReloadSignal(v),
      },
    ],
    parse: (get) => {
      const cmd = get.one('--reload-cmd');
      const signal = get.one('--reload-signal');
      if (cmd !== undefined && signal !== undefined)
        throw badOption('--reload-signal', signal, 'excludes --reload-cmd: a reload does one of them');
      if (cmd !== undefined) return { command: parseReloadCommand(cmd) };
      return signal === undefined ? undefined : { signal: parseReloadSignal(signal) };
    },
    write: (v) => (v === undefined ? [] : 'command' in v ? ['--reload-cmd', JSON.stringify(v.command)] : ['--reload-signal', v.signal]),
  }),
  // Undefined when not given: the registry client's own retries (requests.ts).
  pullRetry: option<PullRetry | undefined>({
    flags: [
      {
        flag: '--retry',
        arg: '<n>',
        help: "with --image: retries of a failed request while pulling (default: the registry client's, 4)",
        containerKeys: { Retry: null },
        check: (v) => parseCount('--retry', v, 0),
      },
      {
        flag: '--retry-delay',
        arg: '<duration>',
        help: 'with --image: the delay between those retries, always the same (default: from 0.5s, doubling)',
        containerKeys: { RetryDelay: null },
        check: (v) => parseDuration('--retry-delay', v),
      },
    ],
    parse: (get) => {
      const retries = get.one('--retry');
      const delay = get.one('--retry-delay');
      if (retries === undefined && delay === undefined) return undefined;
      needsImage(get, retries === undefined ? '--retry-delay' : '--retry', 'a bundle is not pulled');
      return {
        retries: retries === undefined ? undefined : parseCount('--retry', retries, 0),
        delayMs: delay === undefined ? undefined : parseDuration('--retry-delay', delay),
      };
    },
    write: (v) => (v === undefined ? [] : pullRetryArgs(v)),
  }),
  // podman's --log-opt: path= and max-size= are --log-path and --log-size-max (which read them), tag= is this.
  logTag: option<string | undefined>({
    flags: [
      {
        flag: '--log-opt',
        arg: '<key=value>',
        help:
          "podman's log options (repeatable): path= (k8s-file: --log-path), max-size= (k8s-file: --log-size-max), " +
          'tag= (journald: the SYSLOG_IDENTIFIER, a template of {{.Name}}, {{.ID}} and {{.ImageName}}; default the name)',
        repeatable: true,
        containerKeys: { LogOpt: (v) => [v] },
        check: (v) => parseLogOpt(v),
      },
    ],
    parse: (get) => {
      const opts = logOpts(get);
      const driver = get.one('--log-driver');
      for (const key of ['path', 'max-size'] as const)
        if (opts[key] !== undefined && driver !== 'k8s-file')
          throw badOption('--log-opt', `${key}=${opts[key]}`, 'only applies to --log-driver=k8s-file');
      if (opts.tag === undefined) return undefined;
      if (driver !== 'journald') throw badOption('--log-opt', `tag=${opts.tag}`, 'only applies to --log-driver=journald');
      logTag(opts.tag, { name: 'name', id: 'id', image: 'image' });
      return opts.tag;
    },
    write: (v) => (v === undefined ? [] : ['--log-opt', `tag=${v}`]),
  }),
  // Undefined when not given: SIGTERM, unless an image names its own (podman: a given one always wins).
  stopSignal: option<NodeJS.Signals | undefined>({
    flags: [
      {
        flag: '--stop-signal',
        arg: '<signal>',
        help: `signal that asks the container to stop (default: SIGRTMIN+3 in systemd mode, else the image's StopSignal, else ${DEFAULT_STOP_SIGNAL})`,
        check: (v) => parseSignal('--stop-signal', v),
        containerKeys: { StopSignal: null },
      },
    ],
    parse: (get) => {
      const value = get.one('--stop-signal');
      return value === undefined ? undefined : parseSignal('--stop-signal', value);
    },
    write: (v) => (v === undefined ? [] : ['--stop-signal', v]),
  }),
  stopTimeoutMs: option<number>({
    flags: [
      {
        flag: '--stop-timeout',
        arg: '<seconds>',
        help: 'wait this long after the stop signal, then SIGKILL',
        default: '10',
        check: (v) => parseDuration('--stop-timeout', v),
        containerKeys: { StopTimeout: null },
      },
    ],
    parse: (get) => parseDuration('--stop-timeout', get.one('--stop-timeout')!),
    write: (v) => (v === 10_000 ? [] : ['--stop-timeout', String(v / 1000)]),
  }),
  logDriver: option<LogDriverName>({
    flags: [
      {
        flag: '--log-driver',
        arg: '<driver>',
        help: "where the container's output goes",
        choices: LOG_DRIVERS,
        default: 'passthrough',
        containerKeys: { LogDriver: null },
      },
    ],
    parse: (get) => oneOf('--log-driver', get.one('--log-driver')!, LOG_DRIVERS),
    write: (v) => (v === 'passthrough' ? [] : ['--log-driver', v]),
  }),
  logPath: option<string | undefined>({
    flags: [
      {
        flag: '--log-path',
        arg: '<path>',
        help: 'k8s-file: the log file (default <state-dir>/<name>/ctr.log); journald: the journal socket',
      },
    ],
    parse: (get) => optionalPath(get.one('--log-path') ?? logOpts(get).path),
    write: (v) => (v === undefined ? [] : ['--log-path', v]),
  }),
  logSizeMax: option<number | undefined>({
    flags: [{ flag: '--log-size-max', arg: '<size>', help: 'k8s-file: truncate the log when it would pass this size (e.g. 10m)' }],
    parse: (get) => {
      const value = get.one('--log-size-max') ?? logOpts(get)['max-size'];
      if (value === undefined) return undefined;
      if (get.one('--log-driver') !== 'k8s-file') throw badOption('--log-size-max', value, 'only applies to --log-driver=k8s-file');
      return parseSize('--log-size-max', value);
    },
    write: (v) => (v === undefined ? [] : ['--log-size-max', String(v)]),
  }),
  pidFile: option<string | undefined>({
    flags: [{ flag: '--pidfile', arg: '<file>', help: "write the container's pid here" }],
    parse: (get) => optionalPath(get.one('--pidfile')),
    write: (v) => (v === undefined ? [] : ['--pidfile', v]),
  }),
  stateDir: option<string>({
    flags: [HOST_PATH_FLAGS.stateDir],
    parse: (get) => path.resolve(get.one('--state-dir')!),
    write: (v, host) => (v === host.paths.stateDir ? [] : ['--state-dir', v]),
  }),
  cgroups: option<CgroupMode>({
    flags: [
      {
        flag: '--cgroups',
        arg: '<mode>',
        help: "split: move ctrmon to <unit>/supervisor and the container to <unit>/container; bundle: keep the config's cgroupsPath (an image has none: the runtime decides)",
        choices: CGROUP_MODES,
        default: 'split',
      },
    ],
    parse: (get) => oneOf('--cgroups', get.one('--cgroups')!, CGROUP_MODES),
    write: (v) => (v === 'split' ? [] : ['--cgroups', v]),
  }),
  extendTimeoutMaxUsec: option<number | undefined>({
    flags: [
      {
        flag: '--notify-extend-timeout-max',
        arg: '<duration>',
        help: 'relay EXTEND_TIMEOUT_USEC= from the container, clamped to this (default: never relayed)',
      },
    ],
    parse: (get) => {
      const value = get.one('--notify-extend-timeout-max');
      return value === undefined ? undefined : parseDuration('--notify-extend-timeout-max', value) * 1000;
    },
    write: (v) => (v === undefined ? [] : ['--notify-extend-timeout-max', formatMs(v / 1000)]),
  }),
  logLevel: option<LogLevel>({
    flags: [{ flag: '--log-level', arg: '<level>', help: "ctrmon's own log level (JSON on stderr)", choices: LOG_LEVELS, default: 'info' }],
    parse: (get) => oneOf('--log-level', get.one('--log-level')!, LOG_LEVELS),
    write: (v) => (v === 'info' ? [] : ['--log-level', v]),
  }),
};

type Specs = typeof MONITOR_OPTIONS;
type ValueOf<S> = S extends OptionSpec<infer T> ? T : never;

/** The monitor's options, checked and converted: one field per MONITOR_OPTIONS entry, plus the name and command. */
export type MonitorOptions = { name: string; command: string[] } & { [K in keyof Specs]: ValueOf<Specs[K]> };

/** Every flag of every option, in declaration order. */
export const MONITOR_FLAGS: readonly FlagSpec[] = Object.values(MONITOR_OPTIONS).flatMap((o: OptionSpec<unknown>) => o.flags);

/** The runtime used when none is given (resolved by runtime/resolve.ts on the host that runs it). */
export const DEFAULT_RUNTIME = RUNTIME_FLAG.default;

/** commander's attribute name for a flag: '--runtime-arg' -> 'runtimeArg'. */
export function attributeOf(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** An option of one flag without a default: its value converted (and checked) by toValue; undefined when not given. */
function singleValue<T>(flag: FlagSpec, toValue: (value: string) => T, format: (value: T) => string = String): OptionSpec<T | undefined> {
  return option({
    flags: [{ ...flag, check: toValue }],
    parse: (get) => {
      const value = get.one(flag.flag);
      return value === undefined ? undefined : toValue(value);
    },
    write: (v) => (v === undefined ? [] : [flag.flag, format(v)]),
  });
}

/** An option of one repeatable flag: each value converted (and checked) by toValue. */
function repeatedValue(flag: FlagSpec, toValue: (value: string) => string): OptionSpec<string[]> {
  return option({
    flags: [{ ...flag, repeatable: true, check: toValue }],
    parse: (get) => get.many(flag.flag).map(toValue),
    write: (v) => v.flatMap((value) => [flag.flag, value]),
  });
}

/** A flag that means something only for an image: set with a bundle, it is refused, saying why (its default passes). */
function needsImage(get: ValueGetter, flag: string, why: string): string {
  const value = get.one(flag)!;
  if (get.changed(flag) && get.one('--image') === undefined) throw badOption(flag, value, `only applies to --image: ${why}`);
  return value;
}

/**
 * A flag whose absence leaves the choice to the source: undefined when not given, and when given
 * as an image's default for an image (so that a unit's ExecStart leaves it out, as before).
 */
function sourceDefault<T extends string>(get: ValueGetter, flag: string, allowed: readonly T[], imageDefault: T): T | undefined {
  const value = get.one(flag);
  if (value === undefined) return undefined;
  const mode = oneOf(flag, value, allowed);
  return mode === imageDefault && get.one('--image') !== undefined ? undefined : mode;
}

/** --mask's and --unmask's value: absolute paths separated by colons (--unmask: also ALL); none when not given. */
function parsePaths(option: string, value: string | undefined, all: boolean): string[] {
  if (value === undefined) return [];
  if (all && value === 'ALL') return ['ALL'];
  const paths = value.split(':');
  if (!paths.every((p) => p.startsWith('/')))
    throw badOption(option, value, `expected absolute paths separated by colons${all ? ', or ALL' : ''}`);
  return paths.map((p) => path.posix.normalize(p));
}

/** A reload command in --health-cmd's forms. */
function parseReloadCommand(text: string): string[] {
  try {
    return parseHealthCommand(text);
  } catch (err) {
    throw badOption('--reload-cmd', text, (err as Error).message.replace(/^--health-cmd( \S+)?:? ?/, '') || 'empty');
  }
}

/** Only a signal the monitor forwards: TERM or INT would stop the container, and others would reach ctrmon, not it. */
function parseReloadSignal(text: string): NodeJS.Signals {
  const signal = parseSignal('--reload-signal', text);
  if (!FORWARDED_SIGNALS.includes(signal))
    throw badOption('--reload-signal', text, `the monitor forwards only ${FORWARDED_SIGNALS.join(', ')} to the container`);
  return signal;
}

const LOG_OPT_KEYS = ['path', 'max-size', 'tag'] as const;
type LogOptKey = (typeof LOG_OPT_KEYS)[number];

/** One --log-opt KEY=VALUE, of the keys ctrmon's drivers have. */
function parseLogOpt(text: string): [LogOptKey, string] {
  const eq = text.indexOf('=');
  const key = text.slice(0, eq) as LogOptKey;
  if (eq < 0 || !LOG_OPT_KEYS.includes(key))
    throw badOption(
      '--log-opt',
      text,
      "ctrmon's log drivers take path=, max-size= and tag= (podman's other options are for drivers ctrmon has not)",
    );
  return [key, text.slice(eq + 1)];
}

/** Every --log-opt, by key (the last of a key wins). */
function logOpts(get: ValueGetter): Partial<Record<LogOptKey, string>> {
  return Object.fromEntries(get.many('--log-opt').map(parseLogOpt));
}

/** --network as the options give it: --publish alone means bridge; an image's default (host) is left out. */
function networkOf(get: ValueGetter): string | undefined {
  const all = [...new Set(get.many('--network'))];
  if (all.length > 1)
    throw badOption('--network', all.join(','), 'ctrmon connects a container to one network (podman joins several): give one');
  const flags = ['--publish', '--ip', '--ip6', '--network-alias', '--dns', '--dns-search', '--dns-option'];
  const image = get.one('--image') !== undefined;
  const uses = Object.fromEntries(flags.map((f) => [f, get.many(f)]));
  const mode = networkMode(get.one('--network'), uses, image ? IMAGE_DEFAULTS.network : undefined);
  return mode === IMAGE_DEFAULTS.network && image ? undefined : mode;
}

function optionalPath(value: string | undefined): string | undefined {
  return value === undefined ? undefined : path.resolve(value);
}

export function buildMonitorOptions(
  name: string,
  command: string[],
  raw: RawMonitorOptions,
  host: Host,
  ownEnv: NodeJS.ProcessEnv | null = process.env,
): MonitorOptions {
  checkName(name);
  const defaults = new Map(MONITOR_FLAGS.map((f) => [f.flag, flagDefault(f, host)]));
  const get: ValueGetter = {
    one: (flag) => {
      const value = raw[attributeOf(flag)];
      return (Array.isArray(value) ? value[value.length - 1] : value) ?? defaults.get(flag);
    },
    many: (flag) => {
      const value = raw[attributeOf(flag)];
      return value === undefined ? [] : Array.isArray(value) ? value : [value];
    },
    changed: (flag) => get.one(flag) !== defaults.get(flag),
  };
  const out: Record<string, unknown> = { name, command };
  for (const [key, spec] of Object.entries(MONITOR_OPTIONS) as [string, OptionSpec<unknown>][]) out[key] = spec.parse(get, ownEnv);
  const options = out as MonitorOptions;
  if (READINESS[options.sdnotify].readyBy === 'health' && !options.health) {
    throw new CtrmonError(
      'ERR_INVALID_OPTION',
      `--sdnotify=${options.sdnotify} requires --health-cmd: readiness is the first passing health check`,
    );
  }
  checkUpdatable(options.labels, options.image, options.pull);
  return options;
}

/** The options as `ctrmon monitor` arguments on host (options, then name and command); its defaults are left out. */
export function monitorArgs(o: MonitorOptions, host: Host): string[] {
  const args = ['monitor'];
  for (const [key, spec] of Object.entries(MONITOR_OPTIONS) as [keyof Specs, OptionSpec<unknown>][]) args.push(...spec.write(o[key], host));
  args.push(o.name, ...o.command);
  return args;
}
