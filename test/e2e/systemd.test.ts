// End to end under a real systemd: the machine's own systemd boots as PID 1 of private
// namespaces (src/systemd/private-systemd.ts); units made by `ctrmon generate systemd` and by the
// generator from .container files are started, stopped, timed out and watchdogged, and checked
// with systemctl and journalctl. On a machine that cannot host it the suite is skipped with the
// reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { realpathSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { ContainerState } from '../../src/state/types';
import type { JobResult } from '../../src/systemd/systemd-client';
import { GENERATOR_DIR, PrivateSystemd, privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { CTRMON, testBundle } from '../helpers/monitor-process';
import { delay } from '../helpers/wait';

const unavailable = privateSystemdUnavailable();
let bundle: string;
const workDir = `/tmp/ctrmon-e2e-${process.pid}`;

const RUNTIMES: Record<string, string[]> = {
  runc: ['--runtime', 'runc'],
  // crun works on this machine class only without a cgroup manager (shared/lab/README.md).
  crun: ['--runtime', 'crun', '--runtime-arg=--cgroup-manager=disabled'],
};

let nsd: PrivateSystemd;

/** `ctrmon generate systemd` output for these monitor options, name and command. */
function generate(args: string[]): string {
  const r = spawnSync(process.execPath, [CTRMON, 'generate', 'systemd', '--bundle', bundle, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Adds [Service] lines to a generated unit. */
function withService(unit: string, ...lines: string[]): string {
  return unit.replace('[Service]\n', `[Service]\n${lines.join('\n')}\n`);
}

async function timedStart(unit: string): Promise<JobResult & { ms: number }> {
  const t0 = Date.now();
  const r = await nsd.client.start(unit);
  return { ...r, ms: Date.now() - t0 };
}

function state(name: string): ContainerState {
  return JSON.parse(nsd.readFile(`/run/ctrmon/${name}/state.json`)) as ContainerState;
}

async function waitForShow(unit: string, property: string, match: (v: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = (await nsd.show(unit, property))[property];
    if (match(value)) return value;
    if (Date.now() > deadline) throw new Error(`${unit}: ${property}=${value} after ${timeoutMs} ms`);
    await delay(100);
  }
}

// A suite that cannot run is reported as one skipped test with its reason (a skipped describe
// would count no test at all).
const e2eSkipReason = `cannot boot a private systemd here: ${unavailable}`;
if (unavailable) test('end-to-end suite under a real systemd', { skip: e2eSkipReason }, () => undefined);
else
  describe('under a real systemd', () => {
    before(async () => {
      bundle = testBundle();
      nsd = await PrivateSystemd.boot(workDir);
      const generator = realpathSync(path.join(path.dirname(CTRMON), 'ctrmon-systemd-generator'));
      assert.equal(nsd.exec(['ln', '-s', generator, `${GENERATOR_DIR}/ctrmon-systemd-generator`]).status, 0);
    });
    after(async () => {
      await nsd?.shutdown();
      rmSync(workDir, { recursive: true, force: true });
    });

    for (const [runtime, runtimeArgs] of Object.entries(RUNTIMES)) {
      describe(runtime, () => {
        const name = `ready-${runtime}`;
        const unit = `${name}.service`;

        test('start blocks until the application is READY; MainPID is ctrmon; STATUS= and output reach systemd', async () => {
          await nsd.installUnit(unit, generate([...runtimeArgs, '--sdnotify', 'container', '-e', 'READY_DELAY=1', name]));
          const start = await timedStart(unit);
          assert.equal(start.result, 'done', start.message);
          assert.ok(start.ms >= 1000, `start returned after ${start.ms} ms, before READY`);
          const show = await nsd.show(unit, 'ActiveState', 'SubState', 'MainPID', 'StatusText', 'ControlGroup');
          assert.deepEqual([show.ActiveState, show.SubState, show.StatusText], ['active', 'running', 'demo-app serving']);
          const s = state(name);
          assert.equal(Number(show.MainPID), s.monitorPid);
          assert.equal(s.unit, unit);
          assert.equal(s.phase, 'ready');
          assert.match(
            nsd.exec(['cat', `/proc/${s.containerPid}/cgroup`]).stdout,
            new RegExp(`^0::${show.ControlGroup}/`, 'm'),
            "the container's cgroup is inside the unit's",
          );
          assert.match(nsd.journal(unit), /demo-app: ready/);
        });

        test('stop: the container gets its stop signal; nothing is left behind', async () => {
          const { ControlGroup } = await nsd.show(unit, 'ControlGroup');
          const stop = await nsd.client.stop(unit);
          assert.equal(stop.result, 'done', stop.message);
          const show = await nsd.show(unit, 'ActiveState', 'Result', 'ExecMainStatus');
          assert.deepEqual([show.ActiveState, show.Result, show.ExecMainStatus], ['inactive', 'success', '0']);
          assert.match(nsd.journal(unit), /demo-app: got SIGTERM, stopping/);
          assert.equal(nsd.exec([runtime, 'list', '-q']).stdout.trim(), '', 'no runtime container left');
          assert.notEqual(
            nsd.exec(['test', '-e', `/sys/fs/cgroup${ControlGroup}`]).status,
            0,
            'the unit cgroup and every process in it are gone',
          );
          assert.equal(state(name).phase, 'exited');
        });

        test('a container that exits 1 before READY fails the start with its status', async () => {
          const failing = `fail-${runtime}`;
          await nsd.installUnit(
            `${failing}.service`,
            generate([...runtimeArgs, '--restart-policy', 'no', '--sdnotify', 'container', failing, '/bin/sh', '-c', 'sleep 0.3; exit 1']),
          );
          const start = await timedStart(`${failing}.service`);
          assert.notEqual(start.result, 'done');
          const show = await nsd.show(`${failing}.service`, 'ActiveState', 'Result', 'ExecMainStatus');
          assert.deepEqual([show.ActiveState, show.Result, show.ExecMainStatus], ['failed', 'exit-code', '1']);
          await nsd.client.resetFailed(`${failing}.service`);
        });
      });
    }

    test('never READY: the start fails with Result=timeout after TimeoutStartSec', async () => {
      await nsd.installUnit(
        'never.service',
        generate([
          '--runtime',
          'runc',
          '--restart-policy',
          'no',
          '--sdnotify',
          'container',
          '--start-timeout',
          '2',
          '-e',
          'READY_DELAY=600',
          'never',
        ]),
      );
      const start = await timedStart('never.service');
      assert.notEqual(start.result, 'done');
      assert.ok(start.ms >= 2000, `failed after ${start.ms} ms`);
      assert.equal((await nsd.show('never.service', 'Result')).Result, 'timeout');
      assert.equal(nsd.exec(['runc', 'list', '-q']).stdout.trim(), '');
      await nsd.client.resetFailed('never.service');
    });

    test('conmon mode is active at once, whatever the application does', async () => {
      await nsd.installUnit('conmon.service', generate(['--runtime', 'runc', '--sdnotify', 'conmon', '-e', 'READY_DELAY=5', 'conmon']));
      const start = await timedStart('conmon.service');
      assert.equal(start.result, 'done', start.message);
      assert.ok(start.ms < 3000, `start took ${start.ms} ms`);
      assert.equal((await nsd.show('conmon.service', 'ActiveState')).ActiveState, 'active');
      await nsd.client.stop('conmon.service');
    });

    test('healthy mode is active once the health check passes', async () => {
      await nsd.installUnit(
        'healthy.service',
        generate([
          '--runtime',
          'runc',
          '--sdnotify',
          'healthy',
          '--health-cmd',
          'test -e /tmp/ok',
          '--health-interval',
          '200ms',
          '--health-start-period',
          '10s',
          'healthy',
          '/bin/sh',
          '-c',
          'trap "exit 0" TERM; sleep 1; touch /tmp/ok; while :; do sleep 1 & wait $!; done',
        ]),
      );
      const start = await timedStart('healthy.service');
      assert.equal(start.result, 'done', start.message);
      assert.ok(start.ms >= 1000, `active after ${start.ms} ms, before the check could pass`);
      assert.equal(state('healthy').health?.status, 'healthy');
      await nsd.client.stop('healthy.service');
      assert.equal((await nsd.show('healthy.service', 'Result')).Result, 'success');
    });

    test('WATCHDOG=1 pings keep a WatchdogSec= unit alive; when they stop, systemd restarts it', async () => {
      // SIGUSR1 to ctrmon is forwarded to the application, which then stops pinging.
      const script =
        'trap "stop=1" USR1; trap "exit 0" TERM; sdnotify -q READY=1; ' +
        'while :; do [ -z "$stop" ] && sdnotify -q WATCHDOG=1; sleep 0.3 & wait $!; done';
      await nsd.installUnit(
        'dog.service',
        withService(
          generate(['--runtime', 'runc', '--sdnotify', 'container', 'dog', '/bin/sh', '-c', script]),
          'WatchdogSec=2',
          'RestartSec=100ms',
        ),
      );
      assert.equal((await timedStart('dog.service')).result, 'done');
      const { MainPID } = await nsd.show('dog.service', 'MainPID');
      await delay(3000);
      const alive = await nsd.show('dog.service', 'ActiveState', 'MainPID', 'NRestarts');
      assert.deepEqual([alive.ActiveState, alive.MainPID, alive.NRestarts], ['active', MainPID, '0'], 'kept alive by the pings');
      assert.equal((await nsd.systemctl('kill', '--signal=SIGUSR1', '--kill-whom=main', 'dog.service')).code, 0);
      await waitForShow('dog.service', 'NRestarts', (v) => Number(v) >= 1, 10_000);
      assert.match(nsd.journal('dog.service'), /Watchdog timeout/);
      await waitForShow('dog.service', 'ActiveState', (v) => v === 'active', 5000);
      assert.notEqual((await nsd.show('dog.service', 'MainPID')).MainPID, MainPID);
      await nsd.client.stop('dog.service');
    });

    test('a unit generated from a .container file by the generator starts and behaves the same', async () => {
      nsd.writeFile(
        '/run/ctrmon/systemd/gen.container',
        [
          '[Unit]',
          'Description=generated from gen.container',
          '[Container]',
          `Bundle=${bundle}`,
          'Runtime=runc',
          'Notify=true',
          'Environment=READY_DELAY=1',
          'Label=origin=quadlet',
          '[Service]',
          'TimeoutStartSec=20',
          '[Install]',
          'WantedBy=multi-user.target',
          '',
        ].join('\n'),
      );
      nsd.writeFile('/run/ctrmon/systemd/broken.container', '[Container]\nBundle=/nowhere\nPublishPort=http\n');
      await nsd.client.daemonReload();
      assert.equal((await nsd.show('broken.service', 'LoadState')).LoadState, 'not-found', 'a bad file makes no unit');
      assert.equal(
        nsd.exec(['test', '-L', '/run/systemd/generator/multi-user.target.wants/gen.service']).status,
        0,
        '[Install] became a wants link',
      );
      const start = await timedStart('gen.service');
      assert.equal(start.result, 'done', start.message);
      assert.ok(start.ms >= 1000, `active after ${start.ms} ms`);
      const show = await nsd.show('gen.service', 'ActiveState', 'StatusText', 'Description', 'MainPID');
      assert.deepEqual(
        [show.ActiveState, show.StatusText, show.Description],
        ['active', 'demo-app serving', 'generated from gen.container'],
      );
      const s = state('gen');
      assert.equal(Number(show.MainPID), s.monitorPid);
      assert.deepEqual(s.labels, { origin: 'quadlet' });
      await nsd.client.stop('gen.service');
      assert.equal((await nsd.show('gen.service', 'ActiveState')).ActiveState, 'inactive');
      assert.match(nsd.journal('gen.service'), /demo-app: got SIGTERM/);
    });
  });
