// Which events `ctrmon events` selects: podman's filters (OR within a key, AND across keys) and
// --since/--until in podman's forms.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { monitorEntry } from '../../src/events/emitter';
import type { TimedEntry } from '../../src/events/event';
import { buildQuery, matches, parseFilters, parseTime } from '../../src/events/query';
import { updateEntry } from '../../src/update/journal-event';
import { report } from '../helpers/update-report';

const T0 = Date.UTC(2026, 10, 30, 8, 0, 0) * 1000;
const at = (entry: TimedEntry['entry'], sec: number): TimedEntry => ({ entry, timeUsec: T0 + sec * 1e6 });
const web = { container: 'web', image: '/srv/web', unit: 'web.service' };
const db = { container: 'db', image: '/srv/db', unit: 'db.service' };
const EVENTS: TimedEntry[] = [
  at(monitorEntry('create', web), 0),
  at(monitorEntry('start', web), 1),
  at(monitorEntry('create', db), 2),
  at(monitorEntry('ready', web), 3),
  at(monitorEntry('died', db, { exitCode: 1 }), 4),
  at(monitorEntry('died', web, { exitCode: 3 }), 5),
  at(monitorEntry('create', { container: 'tmp', image: '/srv/tmp' }), 6),
  at(updateEntry(report('rolled back'))!, 7),
];
const select = (flags: Parameters<typeof buildQuery>[0]) =>
  EVENTS.filter((e) => matches(buildQuery(flags, T0 / 1000), e)).map((e) => `${e.entry.container}:${e.entry.event}`);

describe('filters', () => {
  test('none: everything', () => {
    assert.equal(select({}).length, EVENTS.length);
  });

  test('one key: only what matches it', () => {
    assert.deepEqual(select({ filter: ['container=db'] }), ['db:create', 'db:died']);
    assert.deepEqual(select({ filter: ['event=died'] }), ['db:died', 'web:died']);
    assert.deepEqual(select({ filter: ['unit=web.service'] }), ['web:create', 'web:start', 'web:ready', 'web:died', 'web:rollback']);
  });

  test('several values of one key are ORed; status= is another name for event=', () => {
    assert.deepEqual(select({ filter: ['event=create', 'status=died'] }), ['web:create', 'db:create', 'db:died', 'web:died', 'tmp:create']);
    assert.deepEqual(select({ filter: ['container=db', 'container=tmp'] }), ['db:create', 'db:died', 'tmp:create']);
  });

  test('different keys are ANDed', () => {
    assert.deepEqual(select({ filter: ['container=web', 'event=died'] }), ['web:died']);
    assert.deepEqual(select({ filter: ['container=web', 'container=db', 'event=died', 'event=ready'] }), [
      'web:ready',
      'db:died',
      'web:died',
    ]);
    assert.deepEqual(select({ filter: ['unit=db.service', 'event=ready'] }), []);
    assert.deepEqual(select({ filter: ['unit=web.service', 'event=rollback', 'event=update'] }), ['web:rollback']);
  });

  test('an event without a unit never matches a unit filter', () => {
    assert.equal(
      select({ filter: ['unit=web.service'] }).some((e) => e.startsWith('tmp:')),
      false,
    );
  });

  test('a malformed filter, an unknown key or event is refused naming it', () => {
    assert.throws(() => parseFilters(['image=x']), /--filter "image=x": unknown filter/);
    assert.throws(() => parseFilters(['container']), /--filter "container": expected KEY=VALUE/);
    assert.throws(
      () => parseFilters(['event=exploded']),
      /events are create, start, ready, health_status, stop, died, update, rollback, update-failed/,
    );
  });
});

describe('--since and --until', () => {
  test('inclusive bounds', () => {
    const since = new Date((T0 + 3e6) / 1000).toISOString();
    const until = new Date((T0 + 5e6) / 1000).toISOString();
    assert.deepEqual(select({ since, until }), ['web:ready', 'db:died', 'web:died']);
    assert.deepEqual(select({ until: new Date(T0 / 1000).toISOString() }), ['web:create']);
  });

  test("podman's forms: RFC 3339 to nanoseconds, a zone offset, a date, a Unix time, a duration before now", () => {
    const now = Date.UTC(2026, 10, 30, 12, 0, 0);
    assert.equal(parseTime('--since', '2026-11-30T08:16:08.123456789Z', now), Date.UTC(2026, 10, 30, 8, 16, 8) * 1000 + 123_456);
    assert.equal(parseTime('--since', '2026-11-30T10:16:08+02:00', now), Date.UTC(2026, 10, 30, 8, 16, 8) * 1000);
    assert.equal(
      parseTime('--since', '2026-11-30 08:16:08.5 +0000 UTC', now),
      Date.UTC(2026, 10, 30, 8, 16, 8) * 1000 + 500_000,
      'our text output',
    );
    assert.equal(parseTime('--since', '2026-11-30', now), new Date(2026, 10, 30).getTime() * 1000, 'local time without a zone');
    assert.equal(parseTime('--since', '2026-11-30 08:16', now), new Date(2026, 10, 30, 8, 16).getTime() * 1000);
    assert.equal(parseTime('--since', '1796028992.5', now), 1_796_028_992_500_000);
    assert.equal(parseTime('--since', '10m', now), (now - 600_000) * 1000);
    assert.equal(parseTime('--since', '1h30m', now), (now - 5_400_000) * 1000);
    assert.equal(parseTime('--since', '250ms', now), (now - 250) * 1000);
    for (const bad of ['yesterday', '10 minutes', '2026-13-01', '']) {
      assert.throws(() => parseTime('--until', bad, now), /^CtrmonError: --until ".*": expected a time/);
    }
  });
});
