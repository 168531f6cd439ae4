// How `ctrmon events` prints: podman's text line, one JSON record per line, Go templates over
// podman's field names, and `table` templates aligned (or, when streaming, row by row).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { monitorEntry } from '../../src/events/emitter';
import type { TimedEntry } from '../../src/events/event';
import { EventPrinter, goTime, parseFormat, textLine } from '../../src/events/format';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const T = Date.UTC(2026, 10, 30, 8, 16, 8) * 1000 + 123_456;
const web = { container: 'web', image: 'registry.example:5000/web:latest', digest: DIGEST, unit: 'web.service' };
const died: TimedEntry = { entry: monitorEntry('died', web, { exitCode: 3 }), timeUsec: T };
const ready: TimedEntry = { entry: monitorEntry('ready', { container: 'api-server', image: '/srv/api' }), timeUsec: T - 1_000_000 };
const health: TimedEntry = { entry: monitorEntry('health_status', web, { healthStatus: 'unhealthy' }), timeUsec: T - 500_000 };

function printed(format: string | undefined, events: TimedEntry[], stream = false): string {
  let out = '';
  const printer = new EventPrinter(parseFormat(format), (text) => (out += text), stream);
  for (const e of events) printer.print(e);
  printer.end();
  return out;
}

describe('events output', () => {
  test("text: podman's line, times as Go prints them in UTC, ctrmon's attributes inside the parentheses", () => {
    assert.equal(goTime(T), '2026-11-30 08:16:08.123456 +0000 UTC');
    assert.equal(goTime(Date.UTC(2026, 10, 30) * 1000), '2026-11-30 00:00:00 +0000 UTC');
    assert.equal(
      textLine(died),
      `2026-11-30 08:16:08.123456 +0000 UTC container died web (image=registry.example:5000/web:latest, name=web, exit_code=3, unit=web.service, digest=${DIGEST})`,
    );
    assert.equal(textLine(ready), '2026-11-30 08:16:07.123456 +0000 UTC container ready api-server (image=/srv/api, name=api-server)');
    assert.match(textLine(health), /container health_status web \(image=\S+, name=web, health_status=unhealthy, unit=web\.service/);
    assert.equal(printed(undefined, [ready, died]), `${textLine(ready)}\n${textLine(died)}\n`);
  });

  test('json: one podman record per line', () => {
    const lines = printed('json', [ready, died]).split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '');
    assert.deepEqual(JSON.parse(lines[1]), {
      ContainerExitCode: 3,
      ID: 'web',
      Image: 'registry.example:5000/web:latest',
      Name: 'web',
      Status: 'died',
      Time: '2026-11-30T08:16:08.123456Z',
      Type: 'container',
      Attributes: { unit: 'web.service', digest: DIGEST },
    });
    assert.deepEqual(Object.keys(JSON.parse(lines[0])), ['ID', 'Image', 'Name', 'Status', 'Time', 'Type', 'Attributes']);
  });

  test("a template: podman's field names, every one present, the attributes by key", () => {
    assert.equal(printed('{{.Name}} {{.Status}} {{.ContainerExitCode}}', [ready, died]), 'api-server ready <no value>\nweb died 3\n');
    assert.equal(
      printed('{{.Time}} {{.Type}} {{.HealthStatus}}|{{.Attributes.unit}}', [health]),
      '2026-11-30T08:16:07.623456Z container unhealthy|web.service\n',
    );
    assert.equal(printed('{{json .Attributes}}', [ready]), '{"unit":"","digest":""}\n');
    assert.throws(() => parseFormat('{{.Name'), /unsupported template action/);
    assert.throws(() => printed('{{.Nope}}', [ready]), /no field \.Nope/);
  });

  test('a table template: a header and aligned columns; when streaming, the header once and each row as it comes', () => {
    const format = 'table {{.Name}}\t{{.Status}}\t{{.Attributes.unit}}';
    assert.equal(printed(format, [ready, died]), 'NAME        STATUS  UNIT\napi-server  ready   \nweb         died    web.service\n');
    assert.equal(printed(format, [ready, died], true), 'NAME\tSTATUS\tUNIT\napi-server\tready\t\nweb\tdied\tweb.service\n');
    assert.equal(printed(format, [], true), '', 'no header before the first event');
  });
});
