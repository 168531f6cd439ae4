// Container events as entries: the journal fields the monitor and the engine write (one
// declaration, events/event.ts), their encoding in journald's native protocol, the way back from
// journal fields, and podman's record.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { monitorEntry, subjectOf } from '../../src/events/emitter';
import { type EventEntry, entryFields, entryFromFields, journalDatagram, rfc3339, toPodmanEvent } from '../../src/events/event';
import type { ContainerState } from '../../src/state/types';
import { updateEntry } from '../../src/update/journal-event';
import { NEW_DIGEST, OLD_DIGEST, report } from '../helpers/update-report';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const subject = { container: 'web', image: 'registry.example:5000/web:latest', digest: DIGEST, unit: 'web.service' };

describe('event entries', () => {
  test('died: the fields in order, the exit code, a readable message, warning priority', () => {
    assert.deepEqual(entryFields(monitorEntry('died', subject, { exitCode: 3 })), [
      ['MESSAGE', 'container web died (exit code 3)'],
      ['PRIORITY', '4'],
      ['SYSLOG_IDENTIFIER', 'ctrmon'],
      ['CTRMON_EVENT', 'died'],
      ['UNIT', 'web.service'],
      ['CONTAINER_NAME', 'web'],
      ['IMAGE', 'registry.example:5000/web:latest'],
      ['DIGEST', DIGEST],
      ['EXIT_CODE', '3'],
    ]);
    assert.equal(monitorEntry('died', subject, { exitCode: 0 }).priority, '6', 'a clean exit is no warning');
  });

  test('each monitor event has its message; health_status carries the status; unknown fields are left out', () => {
    const bundle = { container: 'db', image: '/srv/db/bundle' };
    assert.deepEqual(
      (['create', 'start', 'ready', 'stop'] as const).map((e) => [monitorEntry(e, bundle).message, monitorEntry(e, bundle).priority]),
      [
        ['container db created', '6'],
        ['container db started', '6'],
        ['container db is ready', '6'],
        ['container db is stopping', '5'],
      ],
    );
    const health = monitorEntry('health_status', bundle, { healthStatus: 'unhealthy' });
    assert.deepEqual(entryFields(health).slice(1), [
      ['PRIORITY', '4'],
      ['SYSLOG_IDENTIFIER', 'ctrmon'],
      ['CTRMON_EVENT', 'health_status'],
      ['CONTAINER_NAME', 'db'],
      ['IMAGE', '/srv/db/bundle'],
      ['HEALTH_STATUS', 'unhealthy'],
    ]);
  });

  test("the subject comes from the state file: an image's reference and digest, a bundle's path, the unit", () => {
    const base = { name: 'web', unit: 'web.service' } as ContainerState;
    const image = subjectOf({
      ...base,
      source: {
        kind: 'image',
        reference: 'example.com/web:1',
        root: '/var/lib/ctrmon',
        name: 'x',
        manifestDigest: DIGEST,
        indexDigest: null,
        imageId: null,
      },
    });
    assert.deepEqual(image, { container: 'web', image: 'example.com/web:1', digest: DIGEST, unit: 'web.service' });
    const bundle = subjectOf({ ...base, unit: null, source: { kind: 'bundle', path: '/srv/web' } });
    assert.deepEqual(bundle, { container: 'web', image: '/srv/web', digest: undefined, unit: undefined });
  });

  test('the native protocol: KEY=value lines; a value with a newline in the binary form; UTF-8 kept', () => {
    const entry: EventEntry = { ...monitorEntry('create', { container: 'web', image: '/srv/café' }), message: 'two\nlines' };
    const data = journalDatagram(entry);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(9n);
    const expected = Buffer.concat([
      Buffer.from('MESSAGE\n'),
      len,
      Buffer.from('two\nlines\n'),
      Buffer.from('PRIORITY=6\nSYSLOG_IDENTIFIER=ctrmon\nCTRMON_EVENT=create\nCONTAINER_NAME=web\nIMAGE=/srv/café\n', 'utf8'),
    ]);
    assert.deepEqual(data, expected);
  });

  test("the engine's entries use the same fields, with its values and empty fields kept", () => {
    const entry = updateEntry(report('rolled back', { Cause: 'soak', Error: 'restarted' }))!;
    assert.deepEqual(Object.fromEntries(entryFields(entry)), {
      MESSAGE: `auto-update: web.service rolled back: example.com/web:latest ${OLD_DIGEST} -> ${NEW_DIGEST} (soak: restarted)`,
      PRIORITY: '4',
      SYSLOG_IDENTIFIER: 'ctrmon-auto-update',
      CTRMON_EVENT: 'rollback',
      UNIT: 'web.service',
      CONTAINER_NAME: 'web',
      IMAGE: 'example.com/web:latest',
      DIGEST: OLD_DIGEST,
      OLD_DIGEST,
      NEW_DIGEST,
      CAUSE: 'soak',
    });
    assert.equal(updateEntry(report('false')), null);
    assert.equal(updateEntry(report('failed', { NewDigest: null }))!.newDigest, '');
  });

  test('the way back: journal fields give the same entry; anything else is not an event', () => {
    for (const entry of [
      monitorEntry('died', subject, { exitCode: 137 }),
      monitorEntry('health_status', subject, { healthStatus: 'healthy' }),
    ]) {
      assert.deepEqual(entryFromFields(Object.fromEntries(entryFields(entry))), JSON.parse(JSON.stringify(entry)));
    }
    const update = updateEntry(report('true'))!;
    assert.deepEqual(entryFromFields(Object.fromEntries(entryFields(update))), update);
    assert.equal(entryFromFields({ MESSAGE: 'hello', CONTAINER_NAME: 'web', SYSLOG_IDENTIFIER: 'web' }), null, 'container output');
    assert.equal(entryFromFields({ CTRMON_EVENT: 'exploded', CONTAINER_NAME: 'web' }), null, 'an unknown event');
    assert.equal(entryFromFields({ CTRMON_EVENT: 'died' }), null, 'no container');
  });

  test("podman's record: ID, Image, Name, Status, Time, Type, the exit code of died, Attributes", () => {
    const timeUsec = Date.UTC(2026, 10, 30, 8, 16, 8) * 1000 + 123_450;
    assert.deepEqual(toPodmanEvent({ entry: monitorEntry('died', subject, { exitCode: 3 }), timeUsec }), {
      ContainerExitCode: 3,
      ID: 'web',
      Image: 'registry.example:5000/web:latest',
      Name: 'web',
      Status: 'died',
      Time: '2026-11-30T08:16:08.12345Z',
      Type: 'container',
      Attributes: { unit: 'web.service', digest: DIGEST },
    });
    const health = toPodmanEvent({
      entry: monitorEntry('health_status', { container: 'db', image: '/b' }, { healthStatus: 'healthy' }),
      timeUsec,
    });
    assert.equal(health.health_status, 'healthy');
    assert.equal('ContainerExitCode' in health, false);
    assert.deepEqual(health.Attributes, { unit: '', digest: '' });
    assert.deepEqual(toPodmanEvent({ entry: updateEntry(report('true'))!, timeUsec }).Attributes, {
      unit: 'web.service',
      digest: NEW_DIGEST,
      old_digest: OLD_DIGEST,
      new_digest: NEW_DIGEST,
      cause: '',
    });
  });

  test('times as Go prints RFC3339Nano: trailing zeros and an empty fraction dropped', () => {
    const second = Date.UTC(2026, 0, 2, 3, 4, 5) * 1000;
    assert.equal(rfc3339(second), '2026-01-02T03:04:05Z');
    assert.equal(rfc3339(second + 1), '2026-01-02T03:04:05.000001Z');
    assert.equal(rfc3339(second + 500_000), '2026-01-02T03:04:05.5Z');
    assert.equal(rfc3339(second + 999_999), '2026-01-02T03:04:05.999999Z');
  });
});
