// Which events `ctrmon events` shows: podman's --filter (container=, event= or its other name
// status=, and ctrmon's unit=; several values of one key are ORed, different keys ANDed, as in
// podman and as journalctl combines field matches) and --since/--until, in the forms podman takes:
// an RFC 3339 time (up to nanoseconds), a date with or without a time (local time unless a zone is
// given), a Unix time in seconds, or a Go duration before now (10m, 1h30m, 500ms).
import { CtrmonError } from '../errors';
import { EVENT_NAMES, type EventName, type TimedEntry } from './event';

export interface EventQuery {
  containers: string[];
  events: EventName[];
  units: string[];
  /** Inclusive bounds, in microseconds since the epoch. */
  sinceUsec?: number;
  untilUsec?: number;
}

const FILTER_KEYS: Record<string, 'containers' | 'events' | 'units'> = {
  container: 'containers',
  event: 'events',
  status: 'events',
  unit: 'units',
};

function badValue(option: string, value: string, why: string): CtrmonError {
  return new CtrmonError('ERR_INVALID_OPTION', `${option} ${JSON.stringify(value)}: ${why}`);
}

/** The --filter values, each KEY=VALUE. */
export function parseFilters(filters: readonly string[]): Pick<EventQuery, 'containers' | 'events' | 'units'> {
  const query: Pick<EventQuery, 'containers' | 'events' | 'units'> = { containers: [], events: [], units: [] };
  for (const filter of filters) {
    const eq = filter.indexOf('=');
    const key = FILTER_KEYS[eq < 0 ? filter : filter.slice(0, eq)];
    const value = eq < 0 ? '' : filter.slice(eq + 1);
    if (!key) throw badValue('--filter', filter, 'unknown filter: use container=NAME, event=EVENT (or status=EVENT) or unit=UNIT');
    if (!value) throw badValue('--filter', filter, 'expected KEY=VALUE');
    if (key === 'events') {
      if (!(EVENT_NAMES as readonly string[]).includes(value)) throw badValue('--filter', filter, `events are ${EVENT_NAMES.join(', ')}`);
      query.events.push(value as EventName);
    } else {
      query[key].push(value);
    }
  }
  return query;
}

const GO_UNITS_USEC: Record<string, number> = { ns: 0.001, us: 1, µs: 1, ms: 1000, s: 1e6, m: 60e6, h: 3600e6 };
const DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:\s*(Z|[+-]\d{2}:?\d{2}))?(?:\s+[A-Z]{2,5})?$/i;

/** A --since/--until value as microseconds since the epoch; durations count back from nowMs. */
export function parseTime(option: string, value: string, nowMs = Date.now()): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1e6);
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) {
    let usec = 0;
    for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) usec += Number(m[1]) * GO_UNITS_USEC[m[2]];
    return Math.round(nowMs * 1000 - usec);
  }
  const m = DATE.exec(text);
  if (m) {
    const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0));
    let ms: number;
    if (m[8]) {
      const zone = m[8].toUpperCase();
      const offsetMin = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
      ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMin * 60_000;
    } else {
      ms = new Date(year, month - 1, day, hour, minute, second).getTime();
    }
    const fractionUsec = m[7] ? Math.floor(Number(m[7].padEnd(9, '0')) / 1000) : 0;
    if (Number.isFinite(ms) && month >= 1 && month <= 12 && day >= 1 && day <= 31) return ms * 1000 + fractionUsec;
  }
  throw badValue(
    option,
    value,
    'expected a time (2026-11-30T08:16:08.5Z, 2026-11-30 08:16:08, 2026-11-30, a Unix time) or a duration before now (10m, 1h30m)',
  );
}

export interface QueryFlags {
  filter?: readonly string[];
  since?: string;
  until?: string;
}

export function buildQuery(flags: QueryFlags, nowMs = Date.now()): EventQuery {
  const query: EventQuery = parseFilters(flags.filter ?? []);
  if (flags.since !== undefined) query.sinceUsec = parseTime('--since', flags.since, nowMs);
  if (flags.until !== undefined) query.untilUsec = parseTime('--until', flags.until, nowMs);
  return query;
}

/** Whether the event is one the query asks for. */
export function matches(query: EventQuery, { entry, timeUsec }: TimedEntry): boolean {
  if (query.containers.length && !query.containers.includes(entry.container)) return false;
  if (query.events.length && !query.events.includes(entry.event)) return false;
  if (query.units.length && (entry.unit === undefined || !query.units.includes(entry.unit))) return false;
  if (query.sinceUsec !== undefined && timeUsec < query.sinceUsec) return false;
  if (query.untilUsec !== undefined && timeUsec > query.untilUsec) return false;
  return true;
}
