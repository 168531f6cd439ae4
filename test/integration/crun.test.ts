// The same lifecycle with crun. On this machine class crun only works with
// --cgroup-manager=disabled and a cgroup2 /sys/fs/cgroup, so ctrmon runs in a private mount
// namespace with cgroup2 mounted there (shared/lab/README.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { CRUN_WRAP, crunSkipReason, integrationSuite } from '../helpers/integration-suite';
import type { MonitorProcess } from '../helpers/monitor-process';

const suite = integrationSuite('crun', 'crun');

function monitor(script: string, notifySocket: string): MonitorProcess {
  return suite.monitor({
    options: ['--runtime', 'crun', '--runtime-arg=--cgroup-manager=disabled', '--bundle', suite.bundle, '--sdnotify', 'container'],
    command: ['/bin/sh', '-c', script],
    notifySocket,
    wrap: CRUN_WRAP,
  });
}

describe('crun', { skip: crunSkipReason }, () => {
  test("relays READY and STATUS and exits with the container's code", async () => {
    const systemd = await suite.listener();
    const m = monitor('sdnotify -q READY=1 STATUS=crun MAINPID=1; exit 3', systemd.address);
    assert.equal((await m.exited).code, 3, m.stderr);
    assert.deepEqual(systemd.payloads(), ['READY=1\nSTATUS=crun']);
    assert.equal(m.state().runtime.name, 'crun');
  });

  test('SIGTERM stops it gracefully; SIGKILL from outside gives 137', async () => {
    const systemd = await suite.listener();
    const graceful = monitor('trap "exit 0" TERM; sdnotify -q READY=1; sleep 30 & wait', systemd.address);
    await systemd.waitFor((e) => e.msg === 'READY=1', 5000, 'READY');
    graceful.signal('SIGTERM');
    assert.equal((await graceful.exited).code, 0, graceful.stderr);
    assert.deepEqual(systemd.payloads(), ['READY=1', 'STOPPING=1']);

    const killed = monitor('sleep 30', systemd.address);
    const state = await killed.waitForPhase('running');
    process.kill(state.containerPid!, 'SIGKILL');
    assert.equal((await killed.exited).code, 137);
  });
});
