// The notify relay end to end: a real container (runc) sends with ctrmon's static sender; a python
// listener stands in for systemd.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { integrationSuite } from '../helpers/integration-suite';
import type { MonitorProcess } from '../helpers/monitor-process';
import { delay } from '../helpers/wait';

const suite = integrationSuite('relay', 'runc');
const { socketPath } = suite;
const listener = (address?: string, pauseMs?: number) => suite.listener(address, pauseMs);

function monitor(script: string, notifySocket: string, options: string[] = []): MonitorProcess {
  return suite.monitor({
    options: ['--runtime', 'runc', '--bundle', suite.bundle, '--sdnotify', 'container', ...options],
    command: ['/bin/sh', '-c', script],
    notifySocket,
  });
}

function rssKb(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

describe('notify relay', () => {
  test('relays only the allowlist: one datagram in, one datagram out', async () => {
    const systemd = await listener();
    const m = monitor(
      'sdnotify READY=1 MAINPID=1 STATUS=x NOTIFYACCESS=all EXTEND_TIMEOUT_USEC=9 FDSTORE=1 WATCHDOG_USEC=1 RESTART_RESET=1; ' +
        'sdnotify RELOADING=1 MONOTONIC_USEC=123 ERRNO=5 BUSERROR=org.x.Err X_CUSTOM=1 FDNAME=a BARRIER=1 ' +
        'WATCHDOG=1 WATCHDOG=trigger STOPPING=1',
      systemd.address,
    );
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.deepEqual(systemd.payloads(), [
      'READY=1\nSTATUS=x',
      'RELOADING=1\nMONOTONIC_USEC=123\nERRNO=5\nBUSERROR=org.x.Err\nWATCHDOG=1\nWATCHDOG=trigger\nSTOPPING=1',
    ]);
  });

  test('EXTEND_TIMEOUT_USEC passes only behind --notify-extend-timeout-max, clamped to it', async () => {
    const systemd = await listener();
    const m = monitor('sdnotify EXTEND_TIMEOUT_USEC=2000000; sdnotify EXTEND_TIMEOUT_USEC=900000000', systemd.address, [
      '--notify-extend-timeout-max',
      '30s',
    ]);
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.deepEqual(systemd.payloads(), ['EXTEND_TIMEOUT_USEC=2000000', 'EXTEND_TIMEOUT_USEC=30000000']);
  });

  test('drops a datagram over 4096 bytes with a warning; 4096 bytes pass', async () => {
    const systemd = await listener();
    const m = monitor(
      'sdnotify -q --size 5000 STATUS=big; sdnotify -q --size 4096 STATUS=exact; sdnotify -q STATUS=small',
      systemd.address,
    );
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.deepEqual(systemd.payloads(), ['STATUS=exact', 'STATUS=small']);
    const warning = m.logLines().find((l) => l.level === 'warn' && String(l.msg).includes('over 4096 bytes'));
    assert.ok(warning, m.stderr);
    assert.equal(warning.size, 5000);
  });

  test('BARRIER=1 with an fd completes at the sender within 100 ms', async () => {
    const systemd = await listener();
    const m = monitor('sdnotify -q --barrier READY=1', systemd.address);
    assert.equal((await m.exited).code, 0, m.stderr);
    const ms = Number(/barrier ([\d.]+)/.exec(m.stdout)?.[1]);
    assert.ok(ms < 100, `barrier took ${ms} ms`);
    assert.deepEqual(systemd.payloads(), ['READY=1']);
  });

  test("systemd's socket absent for 2 s: messages are queued and delivered once it exists", async () => {
    const address = socketPath();
    const m = monitor(
      'trap "sdnotify -q READY=1 STATUS=late" USR1; trap "exit 0" TERM; sdnotify -q STATUS=early; while :; do sleep 0.05; done',
      address,
    );
    await m.waitForPhase('running');
    await delay(2000);
    const systemd = await listener(address);
    m.signal('SIGUSR1'); // forwarded: the application sends once the socket exists
    await systemd.waitFor((msg) => msg.msg.includes('STATUS=late'), 5000, 'the late message');
    assert.deepEqual(systemd.payloads(), ['STATUS=early', 'READY=1\nSTATUS=late']);
    assert.equal((await m.waitForPhase('ready')).phase, 'ready');
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0);
  });

  test('a flood of 100 000 datagrams: the sender never blocks, memory stays bounded, ctrmon stays responsive', async () => {
    // systemd reads nothing for the first 3 s, so its queue and then ctrmon's fill up.
    const systemd = await listener(socketPath(), 3000);
    const m = monitor(
      'sdnotify -q --flood 100000 WATCHDOG=1 STATUS=flooding; sdnotify -q READY=1 STATUS=after-flood; ' +
        'trap "exit 0" TERM; while :; do sleep 0.05; done',
      systemd.address,
    );
    await m.waitForPhase('running');
    const before = rssKb(m.pid);
    let peak = before;
    while (!m.stdout.includes('"sent"')) {
      peak = Math.max(peak, rssKb(m.pid));
      await delay(20);
    }
    const flood = JSON.parse(/\{"sent".*\}/.exec(m.stdout)![0]) as { sent: number; timeouts: number; errors: number; max_block_us: number };
    assert.deepEqual([flood.sent, flood.timeouts, flood.errors], [100000, 0, 0], 'every send completed; none blocked for a second');
    // Responsive: the READY sent after the flood survives the overflow and arrives.
    await systemd.waitFor((msg) => msg.msg === 'READY=1\nSTATUS=after-flood', 10_000, 'READY after the flood');
    assert.ok(peak - before < 64 * 1024, `RSS grew by ${peak - before} kB`);
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0);
    const stats = m.logLines().find((l) => l.msg === 'notify statistics') as {
      relay: { received: number };
      sender: { maxQueued: number; dropped: number };
    };
    assert.ok(stats.relay.received >= 100_001);
    assert.ok(stats.sender.maxQueued <= 128, `queue reached ${stats.sender.maxQueued}`);
    assert.ok(stats.sender.dropped > 0, 'the overflow dropped old messages instead of growing');
  });

  test('an abstract @name NOTIFY_SOCKET works', async () => {
    const systemd = await listener(`@ctrmon-test-${process.pid}-abstract`);
    const m = monitor('sdnotify READY=1', systemd.address);
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.deepEqual(systemd.payloads(), ['READY=1']);
  });
});
