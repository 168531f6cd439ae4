// End to end under a real systemd, for the [Container] keys of the lifecycle: HealthOnFailure=restart
// and =kill (a health check that starts failing: the unit restarts, seen in systemd and in the state
// file), ReloadCmd through `systemctl reload` (the command's effect seen in the container, through
// `ctrmon exec`), and `ctrmon logs` for k8s-file and journald, followed until the unit stops.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import type { ContainerState } from '../../src/state/types';
import { PrivateSystemd, privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { CTRMON, testBundle } from '../helpers/monitor-process';
import { delay } from '../helpers/wait';

const unavailable = privateSystemdUnavailable();
const workDir = `/tmp/ctrmon-e2e-lifecycle-${process.pid}`;
let nsd: PrivateSystemd;
let bundle: string;

/** A unit from `ctrmon generate systemd` (Restart=on-failure, its default) for a bundle container. */
function generate(args: string[]): string {
  const r = spawnSync(process.execPath, [CTRMON, 'generate', 'systemd', '--bundle', bundle, '--runtime', 'runc', ...args], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** A ctrmon command run inside the private systemd's namespaces. */
function ctrmon(...args: string[]) {
  return nsd.exec([process.execPath, CTRMON, ...args]);
}

function state(name: string): ContainerState {
  return JSON.parse(nsd.readFile(`/run/ctrmon/${name}/state.json`)) as ContainerState;
}

async function until<T>(what: string, get: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await delay(100);
  }
}

/** A health check that passes until /tmp/sick exists in the container, checked every half second. */
const SICKENS = ['--health-cmd', 'test ! -e /tmp/sick', '--health-interval', '500ms', '--health-retries', '1'];

const skipReason = `cannot boot a private systemd here: ${unavailable}`;

if (unavailable) test('end-to-end lifecycle keys under a real systemd', { skip: skipReason }, () => undefined);
else
  describe('lifecycle keys under a real systemd', () => {
    before(async () => {
      bundle = testBundle();
      nsd = await PrivateSystemd.boot(workDir);
    });
    after(async () => {
      await nsd?.shutdown();
      rmSync(workDir, { recursive: true, force: true });
    });

    for (const action of ['restart', 'kill'] as const) {
      test(`HealthOnFailure=${action}: an unhealthy container ends, and systemd restarts the unit with a new one`, async () => {
        const name = `sick-${action}`;
        const unit = `${name}.service`;
        await nsd.installUnit(unit, generate([...SICKENS, '--health-on-failure', action, '--sdnotify', 'healthy', name]));
        const start = await nsd.client.start(unit);
        assert.equal(start.result, 'done', start.message);
        const first = state(name);
        assert.equal(first.health?.status, 'healthy');
        assert.equal(ctrmon('exec', name, 'touch', '/tmp/sick').status, 0, 'ctrmon exec runs in the container');
        await until(
          'NRestarts',
          async () => (await nsd.show(unit, 'NRestarts')).NRestarts,
          (v) => v === '1',
        );
        const again = await until(
          'the new monitor',
          () => state(name),
          (s) => s.monitorPid !== first.monitorPid && s.health?.status === 'healthy',
        );
        assert.equal((await nsd.show(unit, 'ActiveState')).ActiveState, 'active');
        assert.equal(Number((await nsd.show(unit, 'MainPID')).MainPID), again.monitorPid);
        const journal = nsd.journal(unit);
        assert.match(journal, new RegExp(`health-on-failure=${action}`));
        if (action === 'kill') assert.match(journal, /"exitCode":137,"signal":"SIGKILL".*container exited/);
        else assert.match(journal, /ERR_UNHEALTHY|was unhealthy and stopped/);
        await nsd.client.stop(unit);
      });
    }

    test('HealthOnFailure=stop: the unit stops cleanly and stays stopped', async () => {
      const name = 'sick-stop';
      const unit = `${name}.service`;
      await nsd.installUnit(unit, generate([...SICKENS, '--health-on-failure', 'stop', name]));
      assert.equal((await nsd.client.start(unit)).result, 'done');
      assert.equal(ctrmon('exec', name, 'touch', '/tmp/sick').status, 0);
      await until(
        'ActiveState',
        async () => (await nsd.show(unit, 'ActiveState')).ActiveState,
        (v) => v === 'inactive',
      );
      const show = await nsd.show(unit, 'Result', 'NRestarts');
      assert.deepEqual([show.Result, show.NRestarts], ['success', '0']);
      assert.equal(state(name).phase, 'exited');
    });

    test('ReloadCmd: systemctl reload runs the command in the container', async () => {
      const name = 'reloads';
      const unit = `${name}.service`;
      await nsd.installUnit(unit, generate(['--reload-cmd', '["/bin/sh","-c","echo reloaded >> /tmp/reloads"]', name]));
      assert.equal((await nsd.client.start(unit)).result, 'done');
      assert.notEqual(ctrmon('exec', name, 'cat', '/tmp/reloads').status, 0, 'not reloaded yet');
      const r = await nsd.systemctl('reload', unit);
      assert.equal(r.code, 0, r.stderr);
      const cat = ctrmon('exec', name, 'cat', '/tmp/reloads');
      assert.equal(cat.stdout, 'reloaded\n', cat.stderr);
      assert.equal((await nsd.show(unit, 'ActiveState')).ActiveState, 'active');
      await nsd.client.stop(unit);
    });

    for (const driver of ['k8s-file', 'journald'] as const) {
      test(`ctrmon logs reads a ${driver} container's output; -n and --follow until the unit stops`, async () => {
        const name = `logs-${driver}`;
        const unit = `${name}.service`;
        await nsd.installUnit(unit, generate(['--log-driver', driver, '--sdnotify', 'container', name]));
        assert.equal((await nsd.client.start(unit)).result, 'done');
        const all = await until(
          'the output',
          () => ctrmon('logs', name),
          (r) => /demo-app: ready/.test(r.stdout),
        );
        assert.equal(all.status, 0, all.stderr);
        assert.match(all.stdout, /^demo-app: starting/m);
        if (driver === 'journald') {
          // ctrmon's own "is ready" event is a journal entry with the container's name: never output.
          await until(
            'the ready event',
            async () => nsd.journal(unit),
            (j) => /container logs-journald is ready/.test(j),
          );
          assert.doesNotMatch(ctrmon('logs', name).stdout, /is ready/);
        }
        const last = ctrmon('logs', '-n', '1', '--timestamps', name);
        assert.match(last.stdout, /^\d{4}-\d\d-\d\dT\S+ demo-app: ready\n$/);
        const following = nsd.run([process.execPath, CTRMON, 'logs', '--follow', '--tail', '0', name]);
        await delay(500);
        await nsd.client.stop(unit);
        const followed = await following;
        assert.equal(followed.code, 0, followed.stderr);
        assert.match(followed.stdout, /demo-app: got SIGTERM, stopping/, 'what came while following, and the end');
      });
    }
  });
