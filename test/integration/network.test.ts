// Bridge networks and published ports under the real netavark, iptables and runc, on a host of the
// tests' own (helpers/network-host.ts): what a container publishes answers, what it does not does
// not, and every way a monitor ends (a stop, a failure, SIGKILL then the next start or a prune)
// leaves the host as it was: no rules, veths, bridges, namespaces or leases, and never two of one.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';

import { inPrivateMounts, integrationSuite } from '../helpers/integration-suite';
import { CTRMON } from '../helpers/monitor-process';
import { type Footprint, NetworkHost, OTHER_ADDRESS, OTHER_ADDRESS6, networkSkipReason } from '../lab/network-host';

const suite = integrationSuite('net', 'runc');
const networksDir = path.join(suite.scratch, 'networks');
let host: NetworkHost;
let port = 18_000 + (process.pid % 1000) * 10;
const nextPort = () => port++;

/** A web server that answers with its first argument, and stops at once on SIGTERM. */
const serve = (text: string) => [
  '/bin/sh',
  '-c',
  'mkdir -p /tmp/w; echo "$0" >/tmp/w/index.html; httpd -f -p 8080 -h /tmp/w & pid=$!; trap "kill $pid; exit 0" TERM; wait',
  text,
];

/** Each test's own bound: a regression that leaves a monitor running fails its test instead of hanging the suite. */
const BOUNDED = { timeout: 60_000 };

const EMPTY: Footprint = { rules: [], veths: 0, bridges: [], namespaces: [], leases: [] };

function start(name: string, options: string[], command = serve(name)) {
  return suite.monitor({
    name,
    wrap: host.wrap,
    options: ['--runtime', 'runc', '--bundle', suite.bundle, '--networks-dir', networksDir, '--sdnotify', 'ignore', ...options],
    command,
  });
}

function ctrmon(args: string[]) {
  return host.exec([process.execPath, CTRMON, ...args]);
}

describe('bridge networks', { skip: networkSkipReason }, () => {
  before(async () => {
    host = await NetworkHost.start();
  });
  after(() => host?.stop());
  // After the suite's own cleanup (which SIGKILLs what a failed test left running): what those left, so
  // that one failure does not fail the tests after it.
  afterEach(() => {
    ctrmon(['network', 'prune', '--state-dir', suite.stateDir]);
  });

  test('a published port answers on every address; ps and inspect show it; a stop leaves nothing', BOUNDED, async () => {
    const p = nextPort();
    const m = start('web1', ['--publish', `${p}:8080`]);
    assert.equal(await host.waitForAnswer('127.0.0.1', p), 'web1\n');
    assert.equal(host.get(OTHER_ADDRESS, p), 'web1\n');
    const state = m.state();
    assert.equal(state.network?.mode, 'bridge', 'a --publish alone means the default bridge');
    assert.equal(state.network?.network, 'podman');
    assert.deepEqual(state.network?.addresses, ['10.88.0.2']);
    assert.deepEqual(state.network?.ports, [{ host_ip: '', container_port: 8080, host_port: p, range: 1, protocol: 'tcp' }]);
    const ps = ctrmon(['ps', '--state-dir', suite.stateDir]);
    assert.match(ps.stdout, new RegExp(`web1 .* 0\\.0\\.0\\.0:${p}->8080/tcp`));
    const inspect = JSON.parse(ctrmon(['inspect', '--state-dir', suite.stateDir, 'web1']).stdout) as { network: unknown }[];
    assert.deepEqual(inspect[0].network, state.network);
    const etc = (file: string) => readFileSync(path.join(suite.stateDir, 'web1', file), 'utf8');
    assert.match(etc('hosts'), /^10\.88\.0\.2\tweb1$/m);
    assert.match(etc('hosts'), /^10\.88\.0\.1\thost\.containers\.internal/m);
    assert.doesNotMatch(etc('resolv.conf'), /nameserver 127\./, 'a loopback nameserver cannot be reached from the container');
    const running = host.footprint(suite.stateDir);
    assert.equal(running.veths, 1);
    assert.deepEqual(running.bridges, ['podman0']);
    assert.equal(running.namespaces.length, 1);
    assert.deepEqual(running.leases, ['podman/10.88.0.2']);
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.deepEqual(host.footprint(suite.stateDir), EMPTY);
    assert.equal(existsSync(path.join(suite.stateDir, 'web1', 'network.json')), false);
  });

  test('two containers serve 8080 inside on two host ports; 127.0.0.1 only is not reachable elsewhere', BOUNDED, async () => {
    const [p1, p2] = [nextPort(), nextPort()];
    const a = start('one', ['--network', 'bridge', '--publish', `127.0.0.1:${p1}:8080`]);
    const b = start('two', ['--publish', `${p2}:8080/tcp`]);
    assert.equal(await host.waitForAnswer('127.0.0.1', p1, () => a.stderr), 'one\n');
    assert.equal(await host.waitForAnswer('127.0.0.1', p2, () => b.stderr), 'two\n');
    assert.equal(host.get(OTHER_ADDRESS, p1), null, 'published on 127.0.0.1 only');
    assert.equal(host.get(OTHER_ADDRESS, p2), 'two\n');
    assert.equal(host.footprint(suite.stateDir).leases.length, 2);
    a.signal('SIGTERM');
    b.signal('SIGTERM');
    assert.equal((await a.exited).code, 0, a.stderr);
    assert.equal((await b.exited).code, 0, b.stderr);
    assert.deepEqual(host.footprint(suite.stateDir), EMPTY);
  });

  test('a host port already in use is refused with one line, and nothing of the refused one is left', BOUNDED, async () => {
    const p = nextPort();
    const a = start('holder', ['--publish', `${p}:8080`]);
    await host.waitForAnswer('127.0.0.1', p);
    const before = host.footprint(suite.stateDir);
    const b = start('late', ['--publish', `${p}:8080`]);
    assert.equal((await b.exited).code, 125);
    assert.match(b.stderr, new RegExp(`^ctrmon: cannot publish 0\\.0\\.0\\.0:${p}->8080/tcp: host port ${p}/tcp is already in use$`, 'm'));
    assert.deepEqual(host.footprint(suite.stateDir), before);
    assert.equal(await host.waitForAnswer('127.0.0.1', p), 'holder\n', 'the first one still serves');
    a.signal('SIGTERM');
    await a.exited;
  });

  test('SIGKILL of the monitor: the next start of the name removes what it left, with no duplicates', BOUNDED, async () => {
    const p = nextPort();
    const first = start('killed', ['--publish', `${p}:8080`]);
    await host.waitForAnswer('127.0.0.1', p);
    const once = host.footprint(suite.stateDir);
    first.signal('SIGKILL');
    await first.exited;
    // Without systemd nobody kills the container with its monitor: the test does, as the unit's cgroup would.
    host.exec(['runc', 'delete', '--force', 'killed']);
    assert.deepEqual(host.footprint(suite.stateDir), once, 'the killed monitor left its network');
    const second = start('killed', ['--publish', `${p}:8080`]);
    assert.equal(await host.waitForAnswer('127.0.0.1', p), 'killed\n');
    assert.deepEqual(host.footprint(suite.stateDir), once, 'the same rules, veth, namespace and lease: none twice');
    assert.ok(second.logLines().some((l) => /network a previous monitor of this container left/.test(String(l.msg))));
    second.signal('SIGTERM');
    await second.exited;
    assert.deepEqual(host.footprint(suite.stateDir), EMPTY);
  });

  test('SIGKILL of the monitor: ctrmon network prune removes what it left', BOUNDED, async () => {
    const p = nextPort();
    const m = start('pruned', ['--publish', `${p}:8080`]);
    await host.waitForAnswer('127.0.0.1', p);
    m.signal('SIGKILL');
    await m.exited;
    host.exec(['runc', 'delete', '--force', 'pruned']);
    const r = ctrmon(['network', 'prune', '--state-dir', suite.stateDir]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'pruned\n');
    assert.deepEqual(host.footprint(suite.stateDir), EMPTY);
  });

  test('a named network: one container reaches the other by name and alias through aardvark-dns', BOUNDED, async () => {
    const created = ctrmon(['network', 'create', '--networks-dir', networksDir, 'appnet']);
    assert.equal(created.status, 0, created.stderr);
    const db = start('db', ['--network', 'appnet', '--network-alias', 'database']);
    const client = start(
      'client',
      ['--network', 'appnet'],
      [
        '/bin/sh',
        '-c',
        'for i in $(seq 50); do wget -q -O - http://db:8080/ && wget -q -O - http://database:8080/ && exit 0; sleep 0.2; done; cat /etc/resolv.conf; exit 1',
      ],
    );
    assert.equal((await client.exited).code, 0, client.stdout + client.stderr);
    assert.equal(client.stdout, 'db\ndb\n');
    assert.match(readFileSync(path.join(suite.stateDir, 'client', 'resolv.conf'), 'utf8'), /^search dns\.podman/m);
    assert.match(db.state().network?.addresses[0] ?? '', /^10\.89\.0\.[23]$/, "appnet's first subnet");
    db.signal('SIGTERM');
    await db.exited;
    assert.deepEqual(host.footprint(suite.stateDir), EMPTY);
  });

  test('an IPv6 network: both addresses, a port published on an IPv6 host address, none on an IPv4-only network', BOUNDED, async () => {
    const created = ctrmon(['network', 'create', '--networks-dir', networksDir, '--ipv6', '--subnet', '10.89.9.0/24', 'dual']);
    assert.equal(created.status, 0, created.stderr);
    const [p6, p4] = [nextPort(), nextPort()];
    const m = start('dual6', ['--network', 'dual', '--publish', `[${OTHER_ADDRESS6}]:${p6}:8080`, '--publish', `${p4}:8080`]);
    assert.equal(await host.waitForAnswer(OTHER_ADDRESS6, p6, () => m.stderr), 'dual6\n');
    assert.equal(host.get('127.0.0.1', p4), 'dual6\n');
    const addresses = m.state().network?.addresses ?? [];
    assert.equal(addresses[0], '10.89.9.2');
    assert.match(addresses[1] ?? '', /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::2$/);
    const v4only = start('v4only', ['--publish', `[${OTHER_ADDRESS6}]:${nextPort()}:8080`]);
    assert.equal((await v4only.exited).code, 125);
    assert.match(v4only.stderr, /^ctrmon: cannot publish \[fd99::1\]:\d+->8080\/tcp: network podman has no IPv6 subnet/m);
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.deepEqual(host.footprint(suite.stateDir), EMPTY);
  });

  test('a stop timeout (SIGKILL after it) and a runtime that fails to create tear the network down too', BOUNDED, async () => {
    const p = nextPort();
    // httpd as the container's PID 1 ignores SIGTERM: the stop ends in SIGKILL after --stop-timeout.
    const stubborn = start(
      'stubborn',
      ['--publish', `${p}:8080`, '--stop-timeout', '1'],
      ['/bin/sh', '-c', 'mkdir -p /tmp/w; echo up >/tmp/w/index.html; exec httpd -f -p 8080 -h /tmp/w'],
    );
    await host.waitForAnswer('127.0.0.1', p, () => stubborn.stderr);
    stubborn.signal('SIGTERM');
    assert.equal((await stubborn.exited).code, 137, stubborn.stderr);
    assert.match(stubborn.stderr, /did not stop in time; sending SIGKILL/);
    assert.deepEqual(host.footprint(suite.stateDir), EMPTY);
    const missing = start('missing', ['--publish', `${nextPort()}:8080`], ['/no/such/program']);
    assert.equal((await missing.exited).code, 127, missing.stderr);
    assert.deepEqual(host.footprint(suite.stateDir), EMPTY);
  });

  test('bad input: an unknown network, a failing netavark, no netavark; exit 125, one line, nothing left', BOUNDED, async () => {
    const unknown = start('lost', ['--network', 'nosuchnet']);
    assert.equal((await unknown.exited).code, 125);
    assert.match(unknown.stderr, /^ctrmon: no such network nosuchnet /m);
    const made = ctrmon(['network', 'create', '--networks-dir', networksDir, '--opt', 'mtu=notanumber', 'brokennet']);
    assert.equal(made.status, 0, made.stderr);
    const broken = start('broken', ['--network', 'brokennet', '--publish', `${nextPort()}:8080`]);
    assert.equal((await broken.exited).code, 125);
    assert.match(broken.stderr, /^ctrmon: netavark setup of broken failed: .*mtu/m);
    assert.deepEqual(host.footprint(suite.stateDir), EMPTY);
    // netavark not installed: podman's helper directory hidden from this one monitor.
    const hidden = suite.monitor({
      name: 'noengine',
      wrap: [...host.wrap, ...inPrivateMounts('mount -t tmpfs tmpfs /usr/lib/podman')],
      options: ['--runtime', 'runc', '--bundle', suite.bundle, '--networks-dir', networksDir, '--publish', `${nextPort()}:8080`],
      command: serve('noengine'),
    });
    assert.equal((await hidden.exited).code, 125);
    assert.match(hidden.stderr, /^ctrmon: netavark is not installed \(Debian package netavark\): bridged networks need it$/m);
    assert.deepEqual(host.footprint(suite.stateDir), EMPTY);
  });
});
