// Parsers of the values of the options about the container's process (--user, --ulimit,
// --sysctl, --security-opt ...), as podman reads them. Each error names the option and the value.
import * as path from 'node:path';

import { RLIM_UNLIMITED, type Rlimit } from '../spec/steps/rlimits';
import { sysctlNamespace } from '../spec/steps/sysctl';
import { badOption, parseLabels, parseSize } from './parse';

/** Where a .container value is read: its file. */
interface FileContext {
  file: string;
}

/** A path of a .container value: relative to the file, unless absolute or led by a systemd specifier (%h ...). */
export function besideFile(value: string, ctx: FileContext): string {
  return value.startsWith('%') || path.isAbsolute(value) ? value : path.resolve(path.dirname(ctx.file), value);
}

/** A path as given on the command line, made absolute; one led by a specifier is systemd's to expand. */
export function absoluteUnlessSpecifier(value: string): string {
  return value.startsWith('%') ? value : path.resolve(value);
}

const ACCOUNT = /^[^:\s]+$/;

/** uid|name[:gid|group]. */
export function checkUser(value: string): string {
  const [user, group, ...rest] = value.split(':');
  if (!ACCOUNT.test(user ?? '') || (group !== undefined && !ACCOUNT.test(group)) || rest.length) {
    throw badOption('--user', value, 'expected a uid or user name, with an optional :gid or :group');
  }
  return value;
}

/** A gid or a group name (podman's keep-groups is for rootless containers, which ctrmon does not run). */
export function checkGroup(value: string): string {
  if (!ACCOUNT.test(value) || value === 'keep-groups') throw badOption('--group-add', value, 'expected a gid or a group name');
  return value;
}

export function checkWorkdir(value: string): string {
  if (!path.posix.isAbsolute(value)) throw badOption('--workdir', value, 'must be an absolute path');
  return path.posix.normalize(value);
}

/** A JSON array of strings, or else the value as one word (podman's rule); "" is no entrypoint. */
export function parseEntrypoint(value: string): string[] {
  if (value.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.every((w) => typeof w === 'string')) return parsed;
  }
  return [value];
}

/** At most 64 characters (the kernel's limit), no blanks. */
export function checkHostname(value: string): string {
  if (!/^[^\s/]{1,64}$/.test(value)) throw badOption('--hostname', value, 'expected a host name of 1 to 64 characters without blanks');
  return value;
}

/** local, or a zone name such as Europe/Berlin or UTC (a path below the zoneinfo directory). */
export function checkTimezone(value: string): string {
  if (value !== 'local' && !/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(value)) {
    throw badOption('--tz', value, 'expected local or a zone name such as Europe/Berlin');
  }
  return value;
}

/** name=value, for a sysctl podman allows in a container: net.*, fs.mqueue.* and the IPC ones. */
export function parseSysctls(entries: string[]): Record<string, string> {
  const sysctls = parseLabels(entries, '--sysctl');
  for (const name of Object.keys(sysctls)) {
    if (!sysctlNamespace(name)) {
      throw badOption(
        '--sysctl',
        name,
        'not a namespaced sysctl a container may set (net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)',
      );
    }
  }
  return sysctls;
}

/** podman's ulimit names and the runtime's. */
export const ULIMIT_NAMES = new Map(
  [
    'core',
    'cpu',
    'data',
    'fsize',
    'locks',
    'memlock',
    'msgqueue',
    'nice',
    'nofile',
    'nproc',
    'rss',
    'rtprio',
    'rttime',
    'sigpending',
    'stack',
  ].map((n) => [`RLIMIT_${n.toUpperCase()}`, n]),
);

/** name=soft[:hard]; the hard limit defaults to the soft one; -1 is unlimited (RLIM_UNLIMITED). */
export function parseUlimit(value: string): Rlimit {
  const m = /^([a-z]+)=(-1|\d+)(?::(-1|\d+))?$/.exec(value.trim());
  const type = m && `RLIMIT_${m[1].toUpperCase()}`;
  if (!m || !type || !ULIMIT_NAMES.has(type)) {
    throw badOption(
      '--ulimit',
      value,
      `expected name=soft[:hard] in whole numbers or -1 (unlimited), the name one of ${[...ULIMIT_NAMES.values()].join(', ')}`,
    );
  }
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  if (!Number.isSafeInteger(soft) || !Number.isSafeInteger(hard)) throw badOption('--ulimit', value, 'the limit is too large');
  const above = (a: number, b: number) => b !== RLIM_UNLIMITED && (a === RLIM_UNLIMITED || a > b);
  if (above(soft, hard)) throw badOption('--ulimit', value, 'the soft limit is above the hard one');
  return { type, soft, hard };
}

export interface SecurityOptions {
  noNewPrivileges?: boolean;
  /** An absolute profile path, or unconfined. */
  seccomp?: string;
}

/** podman's no-new-privileges[=bool] and seccomp=FILE|unconfined; a later one of a kind wins. */
export function parseSecurityOptions(entries: string[]): SecurityOptions {
  const out: SecurityOptions = {};
  for (const entry of entries) {
    const [key, value] = entry.split(/=(.*)/s, 2);
    if (key === 'no-new-privileges' && (value === undefined || value === 'true' || value === 'false')) {
      out.noNewPrivileges = value !== 'false';
    } else if (key === 'seccomp' && value) {
      out.seccomp = value === 'unconfined' ? value : absoluteUnlessSpecifier(value);
    } else {
      throw badOption('--security-opt', entry, 'expected no-new-privileges[=true|false], seccomp=<profile.json> or seccomp=unconfined');
    }
  }
  return out;
}

/** A whole number of at least 1, or -1 for no limit. */
export function parsePidsLimit(value: string): number {
  const n = Number(value.trim());
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || (n < 1 && n !== -1)) {
    throw badOption('--pids-limit', value, 'expected a whole number of at least 1, or -1 for no limit');
  }
  return n;
}

export function parsePositiveSize(option: string, value: string): number {
  const size = parseSize(option, value);
  if (size <= 0) throw badOption(option, value, 'must be more than 0');
  return size;
}
