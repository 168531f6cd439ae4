// The [Container] keys of the container's lifecycle, health and logs (HealthOnFailure, the
// HealthStartup* probe, ReloadCmd/ReloadSignal, Retry/RetryDelay, LogOpt) as monitor options and as
// the units they give; the registry client's retry policy; and how `ctrmon logs` reads a k8s-file
// log and journal entries back.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, appendFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { parseSince } from '../../src/cli/logs';
import { buildMonitorOptions, monitorArgs } from '../../src/config/monitor-options';
import { describeHost } from '../../src/host/host';
import { backoffDelay, retryPolicy } from '../../src/image/registry/requests';
import { type LogEntry, journalEntry, lastLines, parseCriLine, readLogs } from '../../src/logs/reader';
import { containerToUnit } from '../../src/systemd/quadlet';
import { parseUnitFile } from '../../src/systemd/unit-file';
import { renderUnit } from '../../src/systemd/unit-generator';
import { processStartTime } from '../../src/process/identity';
import type { ContainerState } from '../../src/state/types';
import { containerState } from '../helpers/state-fixture';

const HOST = describeHost({}, 0);
const COMMAND = ['/usr/bin/node', '/opt/ctrmon/bin/ctrmon.js'];
const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-lifecycle-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const unitOf = (body: string) =>
  containerToUnit('/etc/ctrmon/systemd/web.container', `[Container]\nBundle=/srv/web\n${body}`, 'h', HOST, COMMAND);
const serviceEntries = (text: string) =>
  parseUnitFile(text, 'generated')
    .filter((e) => e.section === 'Service')
    .map((e) => [e.key, e.value]);

describe('HealthOnFailure and the startup probe', () => {
  test('--health-on-failure: podman actions, default none, needs a health check; written back only when set', () => {
    assert.equal(buildMonitorOptions('web', [], { bundle: 'b' }, HOST).healthOnFailure, 'none');
    const o = buildMonitorOptions('web', [], { bundle: 'b', healthCmd: 'true', healthOnFailure: 'restart' }, HOST);
    assert.equal(o.healthOnFailure, 'restart');
    assert.ok(monitorArgs(o, HOST).join(' ').includes('--health-on-failure restart'));
    assert.throws(() => buildMonitorOptions('web', [], { bundle: 'b', healthOnFailure: 'kill' }, HOST), /requires --health-cmd/);
    assert.throws(
      () => buildMonitorOptions('web', [], { bundle: 'b', healthCmd: 'true', healthOnFailure: 'reboot' }, HOST),
      /expected one of none, kill, restart, stop/,
    );
    assert.equal(unitOf('HealthCmd=true\nHealthOnFailure=kill\n').options.healthOnFailure, 'kill');
  });

  test('--health-startup-*: podman defaults (30s, 30s, 0, 0), 0 allowed for the counts, refused without a command', () => {
    const o = buildMonitorOptions('web', [], { bundle: 'b', healthCmd: 'true', healthStartupCmd: 'test -e /up' }, HOST);
    assert.deepEqual(o.healthStartup, {
      command: ['/bin/sh', '-c', 'test -e /up'],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      retries: 0,
      successes: 0,
    });
    const u = unitOf(
      'HealthCmd=true\nHealthStartupCmd=["CMD","check"]\nHealthStartupInterval=2s\nHealthStartupRetries=5\nHealthStartupSuccess=2\nHealthStartupTimeout=1s\n',
    );
    assert.deepEqual(u.options.healthStartup, { command: ['check'], intervalMs: 2000, timeoutMs: 1000, retries: 5, successes: 2 });
    // Written back, the same options come out again.
    const again = monitorArgs(u.options, HOST);
    assert.ok(again.includes('--health-startup-success') && again.includes('--health-startup-retries'));
    assert.throws(() => buildMonitorOptions('web', [], { bundle: 'b', healthStartupCmd: 'x' }, HOST), /requires --health-cmd/);
    assert.throws(
      () => buildMonitorOptions('web', [], { bundle: 'b', healthCmd: 'x', healthStartupRetries: '3' }, HOST),
      /only applies with --health-startup-cmd/,
    );
    assert.throws(() => unitOf('HealthCmd=x\nHealthStartupCmd=y\nHealthStartupRetries=-1\n'), /web.container:5: .*at least 0/);
  });
});

describe('ReloadCmd and ReloadSignal', () => {
  test('ReloadCmd: ExecReload= runs the words in the container with ctrmon exec (with a state directory that is not the default)', () => {
    const u = unitOf('ReloadCmd=/usr/sbin/nginx -s reload\n');
    assert.deepEqual(u.options.reload, { command: ['/usr/sbin/nginx', '-s', 'reload'] });
    const reload = serviceEntries(u.text).filter(([k]) => k === 'ExecReload');
    assert.deepEqual(reload, [['ExecReload', `${COMMAND.join(' ')} exec web /usr/sbin/nginx -s reload`]]);
    const other = buildMonitorOptions('web', [], { bundle: 'b', stateDir: '/srv/state', reloadCmd: '["kill","-HUP","1"]' }, HOST);
    const text = renderUnit(other, HOST, { restart: 'no', header: 'h' }, COMMAND);
    assert.deepEqual(
      serviceEntries(text).filter(([k]) => k === 'ExecReload'),
      [['ExecReload', `${COMMAND.join(' ')} exec --state-dir /srv/state web kill -HUP 1`]],
    );
  });

  test('ReloadSignal: a signal the monitor forwards, sent to the main PID; others and both keys are refused', () => {
    const u = unitOf('ReloadSignal=USR1\n');
    assert.deepEqual(
      serviceEntries(u.text).filter(([k]) => k === 'ExecReload'),
      [['ExecReload', '/bin/kill -s SIGUSR1 $MAINPID']],
    );
    assert.throws(() => unitOf('ReloadSignal=TERM\n'), /web.container:3: .*forwards only SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2/);
    assert.throws(() => unitOf('ReloadSignal=HUP\nReloadCmd=x\n'), /excludes --reload-cmd/);
    assert.equal(serviceEntries(unitOf('').text).filter(([k]) => k === 'ExecReload').length, 0);
  });
});

describe('Retry and RetryDelay', () => {
  test('podman --retry and --retry-delay, for images only; the monitor passes them to ctrmon pull', () => {
    const img = { image: 'registry.example/web:1' };
    const o = buildMonitorOptions('web', [], { ...img, retry: '2', retryDelay: '3s' }, HOST);
    assert.deepEqual(o.pullRetry, { retries: 2, delayMs: 3000 });
    assert.ok(monitorArgs(o, HOST).join(' ').includes('--retry 2 --retry-delay 3000ms'));
    assert.equal(buildMonitorOptions('web', [], img, HOST).pullRetry, undefined);
    assert.throws(() => buildMonitorOptions('web', [], { bundle: 'b', retry: '2' }, HOST), /--retry "2": only applies to --image/);
    const u = containerToUnit(
      '/x/web.container',
      '[Container]\nImage=registry.example/web:1\nRetry=0\nRetryDelay=500ms\n',
      'h',
      HOST,
      COMMAND,
    );
    assert.deepEqual(u.options.pullRetry, { retries: 0, delayMs: 500 });
  });

  test("the registry client's policy: retries + 1 attempts, a fixed delay when given (Retry-After still wins)", () => {
    const p = retryPolicy(2, 1500);
    assert.equal(p.attempts, 3);
    assert.equal(backoffDelay(p, 1), 1500);
    assert.equal(backoffDelay(p, 4), 1500);
    assert.equal(backoffDelay(p, 1, '2'), 2000);
    const d = retryPolicy(undefined, undefined);
    assert.equal(d.attempts, 5);
    assert.ok(backoffDelay(d, 3) <= 2000 && backoffDelay(d, 3) >= 1000);
  });
});

describe('LogOpt', () => {
  test('path= and max-size= are --log-path and --log-size-max for k8s-file; tag= the journal identifier', () => {
    const o = buildMonitorOptions(
      'web',
      [],
      { bundle: 'b', logDriver: 'k8s-file', logOpt: ['path=/var/log/web.log', 'max-size=1m'] },
      HOST,
    );
    assert.equal(o.logPath, '/var/log/web.log');
    assert.equal(o.logSizeMax, 1024 * 1024);
    assert.equal(o.logTag, undefined);
    const args = monitorArgs(o, HOST).join(' ');
    assert.ok(args.includes('--log-path /var/log/web.log') && args.includes('--log-size-max 1048576') && !args.includes('--log-opt'));
    const j = unitOf('LogDriver=journald\nLogOpt=tag={{.Name}}-app\n');
    assert.equal(j.options.logTag, '{{.Name}}-app');
    assert.ok(monitorArgs(j.options, HOST).join(' ').includes('--log-opt tag={{.Name}}-app'));
  });

  test('other keys, keys for another driver and unknown template fields are refused, naming the line', () => {
    assert.throws(() => unitOf('LogOpt=max-file=3\n'), /web.container:3: LogOpt=: ctrmon's log drivers take path=, max-size= and tag=/);
    assert.throws(() => unitOf('LogOpt=tag=x\n'), /only applies to --log-driver=journald/);
    assert.throws(() => unitOf('LogOpt=path=/x\n'), /only applies to --log-driver=k8s-file/);
    assert.throws(() => unitOf('LogDriver=journald\nLogOpt=tag={{.Nope}}\n'), /Nope/);
  });
});

describe('ctrmon logs: reading back', () => {
  const entry = (text: string, partial = false, stream: 'stdout' | 'stderr' = 'stdout'): LogEntry => ({
    timeMs: 0,
    time: '',
    stream,
    text,
    partial,
  });

  test('CRI lines parse; a line is its partial entries and the full one', () => {
    const e = parseCriLine('2026-11-22T04:17:40.086406931+01:00 stderr P half a line');
    assert.deepEqual(e, {
      timeMs: Date.parse('2026-11-22T03:17:40.086Z'),
      time: '2026-11-22T04:17:40.086406931+01:00',
      stream: 'stderr',
      text: 'half a line',
      partial: true,
    });
    assert.equal(parseCriLine('not a log line'), null);
    const all = [entry('a'), entry('b1', true), entry('b2'), entry('c')];
    assert.deepEqual(
      lastLines(all, 2).map((x) => x.text),
      ['b1', 'b2', 'c'],
    );
    assert.deepEqual(
      lastLines(all, 1).map((x) => x.text),
      ['c'],
    );
    assert.deepEqual(lastLines(all, 9).length, 4);
    assert.deepEqual(lastLines(all, 0), []);
  });

  test('journal entries: MESSAGE, stderr at PRIORITY=3, partial messages, bytes, the cursor', () => {
    const j = journalEntry(JSON.stringify({ MESSAGE: 'hi', PRIORITY: '3', __REALTIME_TIMESTAMP: '1700000000000000', __CURSOR: 's=1' }));
    assert.deepEqual(j, {
      entry: { timeMs: 1_700_000_000_000, time: '2023-11-14T22:13:20.000Z', stream: 'stderr', text: 'hi', partial: false },
      cursor: 's=1',
    });
    const b = journalEntry(
      JSON.stringify({ MESSAGE: [104, 195, 169], PRIORITY: '6', CONTAINER_PARTIAL_MESSAGE: 'true', __REALTIME_TIMESTAMP: '1' }),
    );
    assert.equal(b?.entry.text, 'hé');
    assert.equal(b?.entry.partial, true);
    assert.equal(b?.cursor, undefined);
    assert.equal(journalEntry('{"PRIORITY":"6"}'), null);
  });

  test('--since: a Unix time, a duration before now, or a date', () => {
    assert.equal(parseSince('1700000000'), 1_700_000_000_000);
    assert.equal(parseSince('10m', 1_000_000), 400_000);
    assert.equal(parseSince('2024-05-01T10:00:00Z'), Date.parse('2024-05-01T10:00:00Z'));
    assert.throws(() => parseSince('yesterday-ish'), /--since "yesterday-ish"/);
  });

  function container(name: string, logDriver: string, extra: Partial<ContainerState> = {}): string {
    const stateDir = path.join(dir, `state-${name}`);
    mkdirSync(path.join(stateDir, name), { recursive: true });
    writeFileSync(path.join(stateDir, name, 'state.json'), JSON.stringify(containerState(name, { logDriver, ...extra })));
    return stateDir;
  }
  const ts = (s: number) => `2024-05-01T10:00:${String(s).padStart(2, '0')}.000000000+00:00`;

  test('k8s-file: --tail and --since; following goes on across a truncation and ends when the container has exited', async () => {
    const log = path.join(dir, 'web.log');
    writeFileSync(log, `${ts(1)} stdout F one\n${ts(2)} stderr F two\n${ts(3)} stdout P thr\n${ts(3)} stdout F ee\n`);
    const stateDir = container('web', 'k8s-file', { logPath: log, phase: 'exited' });
    const read = async (q: Parameters<typeof readLogs>[2]) => {
      const got: string[] = [];
      await readLogs(stateDir, 'web', q, (e) => got.push(`${e.stream}:${e.text}${e.partial ? '' : '|'}`));
      return got;
    };
    assert.deepEqual(await read({ follow: false }), ['stdout:one|', 'stderr:two|', 'stdout:thr', 'stdout:ee|']);
    assert.deepEqual(await read({ follow: false, tail: 1 }), ['stdout:thr', 'stdout:ee|']);
    assert.deepEqual(await read({ follow: false, sinceMs: Date.parse('2024-05-01T10:00:02Z') }), [
      'stderr:two|',
      'stdout:thr',
      'stdout:ee|',
    ]);

    // A running container: its monitor is this process, alive until the state says exited.
    const own = { logPath: log, monitorPid: process.pid, monitorStartTime: processStartTime(process.pid) };
    const live = container('live', 'k8s-file', { ...own, phase: 'running' });
    const got: string[] = [];
    const following = readLogs(live, 'live', { follow: true, tail: 0 }, (e) => got.push(e.text));
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(log, `${ts(4)} stdout F four\n`);
    await new Promise((r) => setTimeout(r, 400));
    truncateSync(log, 0); // --log-size-max: the file starts over
    appendFileSync(log, `${ts(5)} stdout F five\n`);
    await new Promise((r) => setTimeout(r, 400));
    container('live', 'k8s-file', { ...own, phase: 'exited' });
    await following;
    assert.deepEqual(got, ['four', 'five']);
  });

  test('none, and passthrough outside systemd, are one clear error; so is an unknown name', async () => {
    await assert.rejects(
      readLogs(container('quiet', 'none'), 'quiet', { follow: false }, () => undefined),
      {
        code: 'ERR_LOGS',
        message: 'cannot show the logs of quiet: it has --log-driver=none: its output was not kept',
      },
    );
    await assert.rejects(
      readLogs(container('pt', 'passthrough', { unit: null }), 'pt', { follow: false }, () => undefined),
      /outside systemd/,
    );
    await assert.rejects(
      readLogs(dir, 'nobody', { follow: false }, () => undefined),
      { code: 'ERR_STATE', message: /no container nobody/ },
    );
  });
});
