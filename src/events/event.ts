// Container events: the one declaration of their names and journal fields, shared by the monitor's
// emitter (emitter.ts), the auto-update engine (update/journal-event.ts) and `ctrmon events`
// (reader.ts). An event is one journal entry in journald's native protocol, or, where there is no
// journal, one line of the fallback file (event-file.ts) holding the same fields. `ctrmon events`
// turns each back into podman's event record (PodmanEvent).
import { journalEntry } from '../logs/journald';

/** What the monitor records of its container, in the order they happen. */
export const MONITOR_EVENTS = ['create', 'start', 'ready', 'health_status', 'stop', 'died'] as const;
/** What the auto-update engine records of a unit (its statuses `true`, `rolled back`, `failed`). */
export const UPDATE_EVENTS = ['update', 'rollback', 'update-failed'] as const;
export const EVENT_NAMES = [...MONITOR_EVENTS, ...UPDATE_EVENTS] as const;
export type MonitorEventName = (typeof MONITOR_EVENTS)[number];
export type UpdateEventName = (typeof UPDATE_EVENTS)[number];
export type EventName = (typeof EVENT_NAMES)[number];

/** SYSLOG_IDENTIFIER of each writer's entries. */
export const EVENT_IDENTIFIERS = { monitor: 'ctrmon', update: 'ctrmon-auto-update' } as const;

/** Journal priorities (syslog levels). */
export const PRIORITY = { err: '3', warning: '4', notice: '5', info: '6' } as const;

/** An event as it is written: one journal entry. Fields left undefined are not written. */
export interface EventEntry {
  message: string;
  priority: string;
  identifier: string;
  event: EventName;
  unit?: string;
  container: string;
  /** The image reference as written, or the bundle's path. */
  image: string;
  /** The image's manifest digest, when known (for an update: the digest that runs now). */
  digest?: string;
  oldDigest?: string;
  newDigest?: string;
  cause?: string;
  exitCode?: number;
  healthStatus?: string;
}

/** Each entry property's journal field, in the order they are written. */
export const FIELDS = {
  message: 'MESSAGE',
  priority: 'PRIORITY',
  identifier: 'SYSLOG_IDENTIFIER',
  event: 'CTRMON_EVENT',
  unit: 'UNIT',
  container: 'CONTAINER_NAME',
  image: 'IMAGE',
  digest: 'DIGEST',
  oldDigest: 'OLD_DIGEST',
  newDigest: 'NEW_DIGEST',
  cause: 'CAUSE',
  exitCode: 'EXIT_CODE',
  healthStatus: 'HEALTH_STATUS',
} as const satisfies Record<keyof EventEntry, string>;

/** When the entry was written, in microseconds since the epoch: journald's own field, as `journalctl -o json` prints it. */
export const TIME_FIELD = '__REALTIME_TIMESTAMP';

/** An entry and its time (microseconds since the epoch). */
export interface TimedEntry {
  entry: EventEntry;
  timeUsec: number;
}

/** The entry's journal fields, in FIELDS order; undefined properties are left out, empty strings kept. */
export function entryFields(entry: EventEntry): [string, string][] {
  const fields: [string, string][] = [];
  for (const [key, field] of Object.entries(FIELDS) as [keyof EventEntry, string][]) {
    const value = entry[key];
    if (value !== undefined) fields.push([field, String(value)]);
  }
  return fields;
}

/** The entry as one datagram of journald's native protocol (values as UTF-8). */
export function journalDatagram(entry: EventEntry): Buffer {
  // journalEntry() sends each character as one byte (container output arrives as latin1 text).
  return journalEntry(entryFields(entry).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('latin1')]));
}

function isEventName(value: string): value is EventName {
  return (EVENT_NAMES as readonly string[]).includes(value);
}

/**
 * The entry in a set of journal fields (a `journalctl -o json` object or a line of the fallback
 * file); null when they are not a ctrmon event (no known CTRMON_EVENT, no CONTAINER_NAME).
 */
export function entryFromFields(fields: Record<string, string>): EventEntry | null {
  const event = fields[FIELDS.event];
  const container = fields[FIELDS.container];
  if (event === undefined || !isEventName(event) || !container) return null;
  const entry: EventEntry = {
    message: fields[FIELDS.message] ?? '',
    priority: fields[FIELDS.priority] ?? PRIORITY.info,
    identifier: fields[FIELDS.identifier] ?? '',
    event,
    container,
    image: fields[FIELDS.image] ?? '',
  };
  for (const key of ['unit', 'digest', 'oldDigest', 'newDigest', 'cause', 'healthStatus'] as const) {
    const value = fields[FIELDS[key]];
    if (value !== undefined) entry[key] = value;
  }
  const code = fields[FIELDS.exitCode];
  if (code !== undefined && /^-?\d+$/.test(code)) entry.exitCode = Number(code);
  return entry;
}

/**
 * podman's event record (`podman events --format json`, podman 4): ID, Image, Name, Status, Time
 * (RFC 3339 with up to nanoseconds, UTC), Type, ContainerExitCode for `died`, health_status for
 * `health_status`, and Attributes: ctrmon's own fields (unit, digest; for updates old_digest,
 * new_digest, cause), each present, empty when unknown. The container's ID is its name (the
 * runtime's container id).
 */
export interface PodmanEvent {
  ContainerExitCode?: number;
  ID: string;
  Image: string;
  Name: string;
  Status: EventName;
  Time: string;
  Type: 'container';
  health_status?: string;
  Attributes: Record<string, string>;
}

/** RFC 3339 in UTC with the fraction Go's RFC3339Nano prints (trailing zeros dropped). */
export function rfc3339(timeUsec: number): string {
  const ms = Math.floor(timeUsec / 1000);
  const fraction = `${new Date(ms).toISOString().slice(20, 23)}${String(timeUsec % 1000).padStart(3, '0')}`.replace(/0+$/, '');
  return `${new Date(ms).toISOString().slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

export function toPodmanEvent({ entry, timeUsec }: TimedEntry): PodmanEvent {
  const attributes: Record<string, string> = { unit: entry.unit ?? '', digest: entry.digest ?? '' };
  if ((UPDATE_EVENTS as readonly string[]).includes(entry.event)) {
    attributes.old_digest = entry.oldDigest ?? '';
    attributes.new_digest = entry.newDigest ?? '';
    attributes.cause = entry.cause ?? '';
  }
  return {
    ...(entry.event === 'died' && entry.exitCode !== undefined ? { ContainerExitCode: entry.exitCode } : {}),
    ID: entry.container,
    Image: entry.image,
    Name: entry.container,
    Status: entry.event,
    Time: rfc3339(timeUsec),
    Type: 'container',
    ...(entry.event === 'health_status' ? { health_status: entry.healthStatus ?? '' } : {}),
    Attributes: attributes,
  };
}
