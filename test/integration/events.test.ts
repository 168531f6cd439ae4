// Container events where there is no journal: `ctrmon monitor` with real runc in a mount namespace
// whose /run/systemd is empty (no journal socket, whatever the host has) writes its events to the
// fallback file under the state directory without holding the container's start back, and `ctrmon
// events` reads them from there, filtered, listed and followed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { eventFilePath } from '../../src/events/event-file';
import { inPrivateMounts, integrationSuite } from '../helpers/integration-suite';
import { CTRMON, type MonitorProcess, uniqueName } from '../helpers/monitor-process';
import { waitFor } from '../helpers/wait';

const suite = integrationSuite('events', 'runc');
const { bundle, stateDir } = suite;
/** No journal socket inside: /run/systemd, if the host has one, is covered by an empty tmpfs. */
const NO_JOURNAL = inPrivateMounts('[ ! -e /run/systemd ] || mount -t tmpfs none /run/systemd');

function monitor(options: string[], name = uniqueName('events')): MonitorProcess {
  return suite.monitor({ name, options: ['--runtime', 'runc', '--bundle', bundle, ...options], wrap: NO_JOURNAL });
}

function fileEvents(name: string): Array<Record<string, string>> {
  const file = eventFilePath(stateDir);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, string>)
    .filter((e) => e.CONTAINER_NAME === name);
}

/** `ctrmon events` run to its end. */
function runEvents(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CTRMON, 'events', '--state-dir', stateDir, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const jsonLines = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('events without a journal', () => {
  test('a missing journal socket: the events go to the fallback file; the container starts and becomes ready as usual', async () => {
    const m = monitor(['--sdnotify', 'container', '-e', 'READY_DELAY=0', '-e', 'EXIT_AFTER=1', '-e', 'EXIT_CODE=3']);
    const ready = await m.waitForPhase('ready');
    assert.ok(ready.timestamps.ready, 'ready recorded');
    assert.equal((await m.exited).code, 3, m.stderr);
    const events = fileEvents(m.name);
    assert.deepEqual(
      events.map((e) => [e.CTRMON_EVENT, e.EXIT_CODE]),
      [
        ['create', undefined],
        ['start', undefined],
        ['ready', undefined],
        ['died', '3'],
      ],
    );
    assert.deepEqual(
      [events[3].MESSAGE, events[3].SYSLOG_IDENTIFIER, events[3].IMAGE, events[3].PRIORITY],
      [`container ${m.name} died (exit code 3)`, 'ctrmon', bundle, '4'],
    );
    assert.equal(
      m.logLines().some((l) => String(l.msg).includes('journal')),
      false,
      'no journal was tried: nothing queued or retried',
    );

    const all = await runEvents('--filter', `container=${m.name}`, '--format', 'json');
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(
      jsonLines(all.stdout).map((e) => [e.Name, e.Status, e.ContainerExitCode]),
      [
        [m.name, 'create', undefined],
        [m.name, 'start', undefined],
        [m.name, 'ready', undefined],
        [m.name, 'died', 3],
      ],
    );
    const died = await runEvents('--filter', `container=${m.name}`, '--filter', 'event=died');
    assert.equal(died.code, 0, died.stderr);
    assert.match(
      died.stdout,
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)? \\+0000 UTC container died ${m.name} \\(image=${bundle}, name=${m.name}, exit_code=3\\)\\n$`,
      ),
    );
  });

  test('a stop and a health status change are events too', async () => {
    const m = monitor(['--sdnotify', 'healthy', '--health-cmd', 'true', '--health-interval', '200ms', '-e', 'READY_DELAY=0']);
    await m.waitForPhase('ready');
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0, m.stderr); // the demo application stops cleanly on SIGTERM
    const { stdout, code, stderr } = await runEvents(
      '--filter',
      `container=${m.name}`,
      '--format',
      '{{.Status}} {{.HealthStatus}} {{.ContainerExitCode}}',
    );
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trimEnd().split('\n'), [
      'create  <no value>',
      'start  <no value>',
      'health_status healthy <no value>',
      'ready  <no value>',
      'stop  <no value>',
      'died  0',
    ]);
  });

  test('--stream prints the events of a container as they happen, until SIGTERM', async () => {
    const name = uniqueName('events-stream');
    const child = spawn(process.execPath, [
      CTRMON,
      'events',
      '--state-dir',
      stateDir,
      '--stream',
      '--filter',
      `container=${name}`,
      '--format',
      '{{.Status}}',
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      const m = monitor(['--sdnotify', 'conmon', '-e', 'EXIT_AFTER=1', '-e', 'EXIT_CODE=0'], name);
      assert.equal((await m.exited).code, 0, m.stderr);
      await waitFor(() => stdout.includes('died'), 5000, `the died event in ${JSON.stringify(stdout)} (stderr ${stderr})`);
      assert.equal(stdout, 'create\nstart\nready\ndied\n');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await closed, 0, stderr);
  });
});
