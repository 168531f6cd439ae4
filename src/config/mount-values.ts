// The values of --volume, --mount and --tmpfs in podman's syntax, each checked where it is read (the
// command line, a .container line): what is mounted where, as the spec's steps take it. A source
// that begins with % is a systemd specifier (%h/data) in a unit, kept as written for systemd to
// expand in ExecStart; the monitor refuses one that reaches it unexpanded.
import * as path from 'node:path';

import type { Tmpfs } from '../spec/steps/tmpfs';
import type { Volume } from '../spec/steps/volumes';
import { VOLUME_NAME, volumeDataDir } from '../volume/paths';
import { badOption } from './parse';
import { checkRelabel } from './selinux';

const VOLUME_OPTIONS = 'ro, rw, z and Z';

/** A host path, a path systemd expands, or a volume name (made its directory under volumesDir). */
function volumeSource(option: string, text: string, source: string, volumesDir: string): Pick<Volume, 'source' | 'volume'> {
  if (source.startsWith('/')) return { source: path.resolve(source) };
  if (source.startsWith('%')) return { source };
  if (VOLUME_NAME.test(source)) return { source: volumeDataDir(volumesDir, source), volume: source };
  throw badOption(option, text, 'the source is an absolute host path or a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)');
}

function containerPath(option: string, text: string, destination: string | undefined): string {
  if (!destination?.startsWith('/')) throw badOption(option, text, 'the container path must be absolute');
  return path.posix.normalize(destination);
}

/** SOURCE:/container/path[:OPTIONS]: SOURCE an absolute host path or a volume name; OPTIONS ro, rw, z, Z. */
export function parseVolume(text: string, volumesDir: string): Volume {
  const [source, destination, options, ...rest] = text.split(':');
  if (rest.length || destination === undefined) {
    throw badOption('--volume', text, 'expected /host/path:/container/path or name:/container/path, with optional :ro or :rw');
  }
  let readonly = false;
  for (const o of options === undefined ? [] : options.split(',')) {
    if (o === 'ro' || o === 'rw') readonly = o === 'ro';
    else if (o === 'z' || o === 'Z') checkRelabel('--volume', text);
    else throw badOption('--volume', text, `the option ${o} is not one ctrmon supports (${VOLUME_OPTIONS})`);
  }
  return { ...volumeSource('--volume', text, source, volumesDir), destination: containerPath('--volume', text, destination), readonly };
}

/** A volume as --volume writes it back. */
export function formatVolume(v: Volume): string {
  return `${v.volume ?? v.source}:${v.destination}${v.readonly ? ':ro' : ''}`;
}

const TMPFS_PAIRS = [
  ['rw', 'ro'],
  ['noexec', 'exec'],
  ['nosuid', 'suid'],
  ['nodev', 'dev'],
] as const;
const TMPFS_VALUES: Record<string, RegExp> = {
  size: /^\d+[kmg%]?$/i,
  mode: /^[0-7]{3,4}$/,
  uid: /^\d+$/,
  gid: /^\d+$/,
  nr_inodes: /^\d+[kmg]?$/i,
};

/** podman's tmpfs options: rw, noexec, nosuid and nodev unless their opposite is given, rprivate, and tmpcopyup unless notmpcopyup. */
function tmpfsOptions(option: string, text: string, given: string[]): string[] {
  const chosen: string[] = TMPFS_PAIRS.map((p) => p[0]);
  const values: string[] = [];
  let copyUp = true;
  for (const o of given) {
    const pair = TMPFS_PAIRS.findIndex((p) => (p as readonly string[]).includes(o));
    const eq = o.indexOf('=');
    if (pair >= 0) chosen[pair] = o;
    else if (o === 'tmpcopyup' || o === 'notmpcopyup') copyUp = o === 'tmpcopyup';
    else if (eq > 0 && TMPFS_VALUES[o.slice(0, eq)]?.test(o.slice(eq + 1))) values.push(o);
    else {
      throw badOption(
        option,
        text,
        `${o} is not a tmpfs option (ro, rw, [no]exec, [no]suid, [no]dev, [no]tmpcopyup, size=, mode=, uid=, gid=, nr_inodes=)`,
      );
    }
  }
  return [...chosen, ...values, 'rprivate', ...(copyUp ? ['tmpcopyup'] : [])];
}

/** /container/path[:OPTIONS], OPTIONS comma-separated. */
export function parseTmpfs(text: string): Tmpfs {
  const colon = text.indexOf(':');
  const destination = colon < 0 ? text : text.slice(0, colon);
  const given =
    colon < 0
      ? []
      : text
          .slice(colon + 1)
          .split(',')
          .filter(Boolean);
  return { destination: containerPath('--tmpfs', text, destination), options: tmpfsOptions('--tmpfs', text, given) };
}

/** A tmpfs as --tmpfs writes it back: the options podman's defaults do not give. */
export function formatTmpfs(t: Tmpfs): string {
  const own = t.options.filter((o) => o !== 'rprivate' && o !== 'tmpcopyup' && !TMPFS_PAIRS.some((p) => p[0] === o));
  if (!t.options.includes('tmpcopyup')) own.push('notmpcopyup');
  return own.length ? `${t.destination}:${own.join(',')}` : t.destination;
}

export type MountValue = { volume: Volume } | { tmpfs: Tmpfs };

/** type=bind|volume|tmpfs,source=...,target=...[,ro][,...] as podman's --mount reads it. */
export function parseMount(text: string, volumesDir: string): MountValue {
  const fields = new Map<string, string>();
  for (const field of text.split(',')) {
    const eq = field.indexOf('=');
    let key = eq < 0 ? field : field.slice(0, eq);
    key = { src: 'source', dst: 'destination', target: 'destination', readonly: 'ro' }[key] ?? key;
    if (fields.has(key)) throw badOption('--mount', text, `${key} is given twice`);
    fields.set(key, eq < 0 ? '' : field.slice(eq + 1));
  }
  const type = fields.get('type');
  fields.delete('type');
  const destination = containerPath('--mount', text, fields.get('destination'));
  fields.delete('destination');
  const ro = fields.get('ro');
  fields.delete('ro');
  if (ro !== undefined && !['', 'true', 'false'].includes(ro)) throw badOption('--mount', text, 'ro is ro, ro=true or ro=false');
  const readonly = ro === '' || ro === 'true';
  if (type === 'tmpfs') {
    const given = [...fields].map(([k, v]) => {
      if (k === 'tmpfs-size') return `size=${v}`;
      if (k === 'tmpfs-mode') return `mode=${v}`;
      if (k === 'notmpcopyup' || k === 'tmpcopyup') return k;
      throw badOption('--mount', text, `${k} is not an option of a tmpfs mount (tmpfs-size, tmpfs-mode, [no]tmpcopyup, ro)`);
    });
    return { tmpfs: { destination, options: tmpfsOptions('--mount', text, [...(readonly ? ['ro'] : []), ...given]) } };
  }
  if (type !== 'bind' && type !== 'volume') throw badOption('--mount', text, 'type is bind, volume or tmpfs (ctrmon mounts no others)');
  const source = fields.get('source');
  fields.delete('source');
  if (!source) throw badOption('--mount', text, `a ${type} mount needs source= (ctrmon makes no anonymous volumes)`);
  const relabel = fields.get('relabel');
  fields.delete('relabel');
  if (relabel !== undefined) {
    if (relabel !== 'shared' && relabel !== 'private') throw badOption('--mount', text, 'relabel is shared or private');
    checkRelabel('--mount', text);
  }
  for (const key of fields.keys())
    throw badOption('--mount', text, `${key} is not an option ctrmon supports for a ${type} mount (ro, relabel)`);
  const from = volumeSource('--mount', text, source, volumesDir);
  if ((type === 'volume') !== (from.volume !== undefined)) {
    throw badOption('--mount', text, type === 'bind' ? 'a bind mount needs an absolute source path' : 'a volume mount needs a volume name');
  }
  return { volume: { ...from, destination, readonly } };
}
