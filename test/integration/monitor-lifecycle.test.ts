// `ctrmon monitor` with real runc on the busybox demo bundle; a python listener stands in for
// systemd's notify socket.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import type { OciConfig } from '../../src/spec/oci';
import { integrationSuite } from '../helpers/integration-suite';
import { CTRMON, type MonitorProcess } from '../helpers/monitor-process';
import { delay } from '../helpers/wait';

const suite = integrationSuite('lc', 'runc');
const { bundle, stateDir, scratch } = suite;
const listener = () => suite.listener();

interface Run {
  options?: string[];
  command?: string[];
  notifySocket?: string;
  env?: NodeJS.ProcessEnv;
  name?: string;
  bundle?: string;
}

function monitor(run: Run): MonitorProcess {
  return suite.monitor({ ...run, options: ['--runtime', 'runc', '--bundle', run.bundle ?? bundle, ...(run.options ?? [])] });
}

const sh = (script: string) => ['/bin/sh', '-c', script];

describe('sdnotify modes', () => {
  test('container: only what the application says arrives, in order, from ctrmon, and nothing before its READY', async () => {
    const systemd = await listener();
    const m = monitor({
      options: ['--sdnotify', 'container'],
      command: sh(
        'echo "app NOTIFY_SOCKET=$NOTIFY_SOCKET"; sleep 0.5; sdnotify READY=1 STATUS=up; sleep 0.2; sdnotify STATUS=second; exit 0',
      ),
      notifySocket: systemd.address,
    });
    await m.waitForOutput('app NOTIFY_SOCKET=/run/notify/notify.sock');
    const started = Date.now() / 1000;
    const { code } = await m.exited;
    assert.equal(code, 0, m.stderr);
    assert.deepEqual(systemd.payloads(), ['READY=1\nSTATUS=up', 'STATUS=second']);
    assert.ok(systemd.messages[0].t >= started + 0.4, 'READY arrived only after the application sent it');
    assert.ok(
      systemd.messages.every((msg) => msg.pid === m.pid),
      'every message comes from ctrmon, the main PID',
    );
    const state = m.state();
    assert.equal(state.phase, 'exited');
    assert.ok(state.timestamps.ready, 'the state file records readiness');
  });

  test('conmon: ctrmon sends READY=1 once started; the container gets no notify socket; stop sends STOPPING=1', async () => {
    const systemd = await listener();
    const m = monitor({
      options: ['--sdnotify', 'conmon'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, inside the container
      command: sh('echo "app NOTIFY_SOCKET=${NOTIFY_SOCKET:-unset}"; trap "echo stopping; exit 0" TERM; sleep 30 & wait'),
      notifySocket: systemd.address,
    });
    await systemd.waitFor((msg) => msg.msg === 'READY=1', 5000, 'READY=1');
    assert.equal((await m.waitForPhase('ready')).phase, 'ready');
    await m.waitForOutput('app NOTIFY_SOCKET=unset');
    m.signal('SIGTERM');
    const { code } = await m.exited;
    assert.equal(code, 0, m.stderr);
    assert.match(m.stdout, /stopping/);
    assert.deepEqual(systemd.payloads(), ['READY=1', 'STOPPING=1']);
    assert.ok(systemd.messages.every((msg) => msg.pid === m.pid));
    const state = m.state();
    assert.equal(state.exitCode, 0);
    assert.ok(state.timestamps.stopping);
  });

  test('healthy: READY=1 only after the first passing health check', async () => {
    const systemd = await listener();
    const m = monitor({
      options: [
        '--sdnotify',
        'healthy',
        '--health-cmd',
        'test -e /tmp/ok',
        '--health-interval',
        '200ms',
        '--health-timeout',
        '2s',
        '--health-start-period',
        '5s',
      ],
      command: sh('trap "exit 0" TERM; echo app-start; sleep 1; touch /tmp/ok; sleep 30 & wait'),
      notifySocket: systemd.address,
    });
    await m.waitForOutput('app-start');
    const started = Date.now() / 1000;
    await delay(500);
    assert.deepEqual(systemd.payloads(), [], 'not ready while the check fails');
    assert.equal(m.state().health?.status, 'starting');
    const ready = await systemd.waitFor((msg) => msg.msg === 'READY=1', 5000, 'READY=1');
    assert.ok(ready.t >= started + 0.9, 'READY came after the file the check tests existed');
    const state = await m.waitForPhase('ready');
    assert.equal(state.health?.status, 'healthy');
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0);
  });

  test('healthy without a health command is refused', async () => {
    const m = monitor({ options: ['--sdnotify', 'healthy'], command: ['true'] });
    const { code } = await m.exited;
    assert.equal(code, 125);
    assert.match(m.stderr, /--sdnotify=healthy requires --health-cmd/);
  });

  test('ignore: the container gets no socket and nothing is sent, not even STOPPING', async () => {
    const systemd = await listener();
    const m = monitor({
      options: ['--sdnotify', 'ignore'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, inside the container
      command: sh('echo "app NOTIFY_SOCKET=${NOTIFY_SOCKET:-unset}"; trap "exit 0" TERM; sleep 30 & wait'),
      notifySocket: systemd.address,
    });
    await m.waitForOutput('app NOTIFY_SOCKET=unset');
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0);
    await delay(100);
    assert.deepEqual(systemd.payloads(), []);
  });
});

describe('exit codes', () => {
  for (const status of [0, 3]) {
    test(`the container's exit status ${status} is ctrmon's`, async () => {
      const m = monitor({ command: sh(`exit ${status}`) });
      const { code } = await m.exited;
      assert.equal(code, status, m.stderr);
      assert.equal(m.state().exitCode, status);
    });
  }

  test('killed by SIGKILL: 137', async () => {
    const m = monitor({ command: ['sleep', '30'] });
    const state = await m.waitForPhase('ready');
    process.kill(state.containerPid!, 'SIGKILL');
    const { code } = await m.exited;
    assert.equal(code, 137);
    assert.equal(m.state().exitSignal, 'SIGKILL');
  });

  test('SIGTERM to ctrmon: the stop signal, then SIGKILL after the stop timeout', async () => {
    // sleep as the container's pid 1 ignores SIGTERM, so only the SIGKILL ends it.
    const m = monitor({ options: ['--stop-timeout', '0.5'], command: ['sleep', '30'] });
    await m.waitForPhase('ready');
    const t0 = Date.now();
    m.signal('SIGTERM');
    const { code } = await m.exited;
    assert.equal(code, 137);
    assert.ok(Date.now() - t0 >= 450, 'the stop timeout was waited for');
    assert.ok(m.logLines().some((l) => String(l.msg).includes('did not stop in time')));
  });

  test('--stop-signal is what the container receives', async () => {
    const m = monitor({
      options: ['--stop-signal', 'USR2'],
      command: sh('trap "echo got-USR2; exit 7" USR2; sleep 30 & wait'),
    });
    await m.waitForPhase('ready');
    m.signal('SIGINT');
    const { code } = await m.exited;
    assert.equal(code, 7);
    assert.match(m.stdout, /got-USR2/);
  });

  test('a missing runtime: 127', async () => {
    const m = suite.monitor({ name: 'missing', options: ['--runtime', '/nonexistent/runc', '--bundle', bundle] });
    assert.equal((await m.exited).code, 127);
    assert.match(m.stderr, /OCI runtime \/nonexistent\/runc not found/);
  });

  test('a runtime that is not executable: 126', async () => {
    const file = path.join(scratch, 'not-executable');
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, 0o644);
    const m = suite.monitor({ name: 'noexec', options: ['--runtime', file, '--bundle', bundle] });
    assert.equal((await m.exited).code, 126);
    assert.match(m.stderr, /is not an executable file/);
  });

  test('an invalid bundle: 125 with a message naming the problem', async () => {
    const broken = path.join(scratch, 'broken-bundle');
    cpSync(bundle, broken, { recursive: true, verbatimSymlinks: true });
    writeFileSync(path.join(broken, 'config.json'), '{"process": ');
    const m = monitor({ bundle: broken, command: ['true'] });
    assert.equal((await m.exited).code, 125);
    assert.match(m.stderr, new RegExp(`invalid bundle ${broken}: config.json is not valid JSON`));
    const state = m.state();
    assert.equal(state.error?.code, 'ERR_BUNDLE_INVALID');
    assert.equal(state.exitCode, 125);

    writeFileSync(path.join(broken, 'config.json'), JSON.stringify({ process: { args: ['true'] }, root: { path: 'nowhere' } }));
    const m2 = monitor({ bundle: broken });
    assert.equal((await m2.exited).code, 125);
    assert.match(m2.stderr, /rootfs .*nowhere does not exist/);
  });

  test("the runtime refusing to create: 125 with the runtime's own message", async () => {
    const m = monitor({ options: ['--runtime-arg=--root=/proc/ctrmon-no-such-root'], command: ['true'] });
    assert.equal((await m.exited).code, 125);
    assert.match(m.stderr, /ctrmon: runc create failed \(exit status 1\): .*ctrmon-no-such-root/);
  });
});

describe('lifecycle', () => {
  test("the user's bundle is never modified", async () => {
    const config = path.join(bundle, 'config.json');
    const before = createHash('sha256').update(readFileSync(config)).digest('hex');
    const m = monitor({ options: ['--sdnotify', 'container', '-e', 'A=1'], command: ['true'] });
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.equal(createHash('sha256').update(readFileSync(config)).digest('hex'), before);
    const derived = JSON.parse(readFileSync(path.join(stateDir, m.name, 'bundle', 'config.json'), 'utf8'));
    assert.ok(derived.mounts.some((mt: { destination: string }) => mt.destination === '/run/notify'));
  });

  test('a leftover container of the same name is removed before creating', async () => {
    const name = `leftover-${process.pid}`;
    // No pipes: the created container would inherit them and spawnSync would wait for their EOF.
    const create = spawnSync('runc', ['create', '--bundle', bundle, '--pid-file', path.join(scratch, `${name}.pid`), name], {
      stdio: 'ignore',
    });
    assert.equal(create.status, 0);
    const m = monitor({ name, command: sh('echo replaced; exit 4') });
    assert.equal((await m.exited).code, 4, m.stderr);
    assert.match(m.stdout, /replaced/);
  });

  test('--pidfile, --env, --label and the unit watchdog interval reach where they belong', async () => {
    const pidFile = path.join(scratch, 'container.pid');
    const m = monitor({
      options: ['--sdnotify', 'container', '--pidfile', pidFile, '-e', 'GREETING=hello there', '--label', 'app=demo'],
      command: sh('echo "env GREETING=$GREETING WATCHDOG_USEC=$WATCHDOG_USEC"; sleep 30'),
      env: { WATCHDOG_USEC: '3000000' },
    });
    const state = await m.waitForPhase('running');
    assert.equal(Number(readFileSync(pidFile, 'utf8')), state.containerPid);
    assert.deepEqual(state.labels, { app: 'demo' });
    await m.waitForOutput('env GREETING=hello there WATCHDOG_USEC=3000000');
  });

  test('HUP, QUIT, USR1 and USR2 are forwarded to the container', async () => {
    const m = monitor({
      command: sh('for s in HUP QUIT USR1 USR2; do trap "echo got-$s" $s; done; trap "exit 0" TERM; while :; do sleep 0.05; done'),
    });
    await m.waitForPhase('ready');
    for (const s of ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) {
      m.signal(s);
      await m.waitForOutput(`got-${s.slice(3)}`, 3000);
    }
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0);
  });

  test('a second monitor of a live container name is refused', async () => {
    const name = `twice-${process.pid}`;
    const first = monitor({ name, command: ['sleep', '30'] });
    await first.waitForPhase('ready');
    const second = monitor({ name, command: ['true'] });
    assert.equal((await second.exited).code, 125);
    assert.match(second.stderr, new RegExp(`container name "${name}" is in use by ctrmon pid ${first.pid}`));
    assert.equal(first.state().phase, 'ready', 'the running monitor is untouched');
  });

  test('ctrmon ps lists the containers with their status', async () => {
    const m = monitor({ options: ['--label', 'tier=web'], command: ['sleep', '30'] });
    await m.waitForPhase('ready');
    const table = spawnSync(process.execPath, [CTRMON, 'ps', '--state-dir', stateDir], { encoding: 'utf8' });
    assert.equal(table.status, 0, table.stderr);
    const row = table.stdout.split('\n').find((l) => l.startsWith(`${m.name} `));
    assert.ok(row, table.stdout);
    assert.match(row, /\bready\b/);
    const json = spawnSync(process.execPath, [CTRMON, 'ps', '--state-dir', stateDir, '--format', 'json'], { encoding: 'utf8' });
    const entry = (JSON.parse(json.stdout) as Array<{ name: string; status: string; monitorAlive: boolean; labels: object }>).find(
      (e) => e.name === m.name,
    );
    assert.deepEqual([entry?.status, entry?.monitorAlive, entry?.labels], ['ready', true, { tier: 'web' }]);
  });
});

describe('options for bundles', () => {
  let copies = 0;
  /** A copy of the demo bundle (runc makes mount points in its rootfs), its config edited. */
  function bundleCopy(edit: (config: OciConfig) => void = () => undefined): string {
    const copy = path.join(scratch, `bundle-copy-${++copies}`);
    cpSync(bundle, copy, { recursive: true, verbatimSymlinks: true });
    const file = path.join(copy, 'config.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as OciConfig;
    edit(config);
    writeFileSync(file, JSON.stringify(config));
    return copy;
  }
  const interfaces = 'ls /sys/class/net | tr "\\n" " "; echo; ip link | grep -c "^[0-9]"';

  test('--volume: a host directory in the container, read-only when asked', async () => {
    const data = path.join(scratch, 'volume-data');
    mkdirSync(data, { recursive: true });
    writeFileSync(path.join(data, 'greeting'), 'from the host\n');
    const m = monitor({
      bundle: bundleCopy(),
      options: ['--volume', `${data}:/data:ro`],
      command: sh('cat /data/greeting; touch /data/new 2>/dev/null || echo read-only'),
    });
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.deepEqual(m.stdout.trim().split('\n'), ['from the host', 'read-only']);
  });

  test('--network=none: a bundle that shares the host network gets a namespace with only lo', async () => {
    const shared = bundleCopy((config) => {
      config.linux!.namespaces = config.linux!.namespaces!.filter((n) => n.type !== 'network');
      config.mounts = config.mounts!.map((mt) =>
        mt.destination === '/sys' ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'ro'] } : mt,
      );
    });
    const own = monitor({ bundle: shared, command: sh(interfaces) });
    assert.equal((await own.exited).code, 0, own.stderr);
    const host = readdirSync('/sys/class/net').sort();
    assert.equal(own.stdout.split('\n')[0].trim(), host.join(' '), "without the option the bundle's config stands: the host's");
    const none = monitor({ bundle: shared, options: ['--network', 'none'], command: sh(interfaces) });
    assert.equal((await none.exited).code, 0, none.stderr);
    assert.deepEqual(
      none.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim()),
      ['lo', '1'],
    );
  });

  test("--network=host: a bundle with a namespace of its own gets the host's network, resolv.conf and hosts", async () => {
    const m = monitor({ bundle: bundleCopy(), options: ['--network', 'host'], command: sh(`${interfaces}; cat /etc/hosts`) });
    assert.equal((await m.exited).code, 0, m.stderr);
    const [names, , ...hosts] = m.stdout.split('\n');
    assert.equal(names.trim(), readdirSync('/sys/class/net').sort().join(' '));
    assert.equal(hosts.join('\n'), readFileSync('/etc/hosts', 'utf8'));
  });
});
