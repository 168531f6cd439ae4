// The container's output through each log driver, with real runc.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { integrationSuite } from '../helpers/integration-suite';
import type { MonitorProcess } from '../helpers/monitor-process';

const suite = integrationSuite('logs', 'runc');
const { scratch } = suite;

function monitor(options: string[], script: string): MonitorProcess {
  return suite.monitor({ options: ['--runtime', 'runc', '--bundle', suite.bundle, ...options], command: ['/bin/sh', '-c', script] });
}

const CRI_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d) (stdout|stderr) (F|P) (.*)$/;

describe('log drivers', () => {
  test('k8s-file writes the CRI format: timestamp, stream, full or partial', async () => {
    const file = path.join(scratch, 'ctr.log');
    const m = monitor(
      ['--log-driver', 'k8s-file', '--log-path', file],
      'echo line one; printf partial-; sleep 0.2; echo rest; sleep 0.2; echo err line >&2',
    );
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.equal(m.stdout, '', 'nothing is passed through');
    const entries = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => CRI_LINE.exec(l));
    assert.ok(entries.every(Boolean), readFileSync(file, 'utf8'));
    assert.deepEqual(
      entries.map((e) => e!.slice(2)),
      [
        ['stdout', 'F', 'line one'],
        ['stdout', 'P', 'partial-'],
        ['stdout', 'F', 'rest'],
        ['stderr', 'F', 'err line'],
      ],
    );
    assert.equal(m.state().logPath, file);
  });

  test('k8s-file truncates at --log-size-max and keeps writing', async () => {
    const file = path.join(scratch, 'capped.log');
    const m = monitor(
      ['--log-driver', 'k8s-file', '--log-path', file, '--log-size-max', '1k'],
      'i=0; while [ $i -lt 100 ]; do echo "line $i"; i=$((i+1)); sleep 0.005; done',
    );
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.ok(statSync(file).size <= 1024, `size ${statSync(file).size}`);
    assert.match(readFileSync(file, 'utf8'), / stdout F line 99\n$/);
  });

  test('journald sends native entries with the container fields and priorities', async () => {
    const journal = await suite.listener(path.join(scratch, 'journal.sock'));
    const m = monitor(['--log-driver', 'journald', '--log-path', journal.address], 'echo hello; sleep 0.1; echo oops >&2');
    assert.equal((await m.exited).code, 0, m.stderr);
    await journal.waitFor((e) => e.msg.includes('MESSAGE=oops'), 3000, 'the stderr entry');
    const entries = journal.payloads().map((p) =>
      Object.fromEntries(
        p
          .trimEnd()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      ),
    );
    const common = { CONTAINER_NAME: m.name, CONTAINER_ID: m.name.slice(0, 12), CONTAINER_ID_FULL: m.name, SYSLOG_IDENTIFIER: m.name };
    assert.deepEqual(entries, [
      { MESSAGE: 'hello', PRIORITY: '6', ...common },
      { MESSAGE: 'oops', PRIORITY: '3', ...common },
    ]);
  });

  test("none discards the output; passthrough hands over ctrmon's own stdio", async () => {
    const quiet = monitor(['--log-driver', 'none'], 'echo should-not-appear; echo nor-this >&2');
    assert.equal((await quiet.exited).code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stdout + quiet.stderr, /should-not-appear|nor-this/);
    const loud = monitor([], 'echo to-stdout; echo to-stderr >&2');
    assert.equal((await loud.exited).code, 0);
    assert.match(loud.stdout, /to-stdout/);
    assert.match(loud.stderr, /to-stderr/);
  });
});
