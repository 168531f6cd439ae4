// ctrmon's SystemdClient: first against a stub runner (the command lines it runs and how it reports
// what systemctl says), then against a real systemd, booted as PID 1 of private namespaces like the
// end-to-end suite's, with small units that need no container. On a machine that cannot host one the
// second part is skipped with the reason.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { CtrmonError } from '../../src/errors';
import { PrivateSystemd, privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import type { RunResult } from '../../src/process/spawn';
import { SystemdClient } from '../../src/systemd/systemd-client';

/** A runner that records each command line and answers from a list, in order. */
function stub(...answers: (Partial<RunResult> | Error)[]): { client: SystemdClient; calls: string[][] } {
  const calls: string[][] = [];
  const runner = async (argv: string[]): Promise<RunResult> => {
    calls.push(argv);
    const a = answers.shift();
    assert.ok(a !== undefined, `unexpected command: ${argv.join(' ')}`);
    if (a instanceof Error) throw a;
    return { code: 0, signal: null, stdout: '', stderr: '', ...a };
  };
  return { client: new SystemdClient({ runner }), calls };
}

/** Asserts that a promise rejects with ERR_SYSTEMD for this unit, and returns the error. */
async function systemdError(p: Promise<unknown>, unit?: string): Promise<CtrmonError> {
  const err = await p.then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof CtrmonError, String(err));
  assert.equal(err.code, 'ERR_SYSTEMD');
  assert.deepEqual(err.subject, unit === undefined ? {} : { unit });
  return err;
}

describe('SystemdClient against a stub runner', () => {
  test('runs systemctl without a pager, with --user for the user manager', async () => {
    const system = stub({ stdout: 'active\n' });
    assert.equal(await system.client.isActive('a.service'), 'active');
    assert.deepEqual(system.calls, [['systemctl', '--no-pager', 'is-active', 'a.service']]);
    const calls: string[][] = [];
    const runner = async (argv: string[]): Promise<RunResult> => {
      calls.push(argv);
      return { code: 0, signal: null, stdout: '', stderr: '' };
    };
    const user = new SystemdClient({ user: true, runner });
    await user.daemonReload();
    assert.deepEqual(calls, [['systemctl', '--user', '--no-pager', 'daemon-reload']]);
  });

  test('show asks for the properties in one --property= and keeps "=" inside values', async () => {
    const { client, calls } = stub({ stdout: 'Description=a=b c\nEnvironment=X=1 Y=2\nId=a.service\n' });
    const p = await client.show('a.service', 'Description', 'Environment', 'Id');
    assert.deepEqual(calls, [['systemctl', '--no-pager', 'show', '--property=Description,Environment,Id', 'a.service']]);
    assert.deepEqual(p, { Description: 'a=b c', Environment: 'X=1 Y=2', Id: 'a.service' });
  });

  test("a job's result comes from systemctl's message, the unit's state from show", async () => {
    const props = { stdout: 'ActiveState=inactive\nSubState=dead\nResult=success\nExecMainCode=0\nExecMainStatus=0\n' };
    const { client, calls } = stub({ code: 1, stderr: 'Job for a.service canceled.\n' }, props);
    assert.deepEqual(await client.restart('a.service'), {
      unit: 'a.service',
      result: 'canceled',
      activeState: 'inactive',
      subState: 'dead',
      serviceResult: 'success',
      execMainStatus: null,
      message: 'Job for a.service canceled.',
    });
    assert.deepEqual(calls[0], ['systemctl', '--no-pager', 'restart', 'a.service']);
  });

  test('a command that cannot run is an ERR_SYSTEMD naming the unit and the command, with the cause', async () => {
    const enoent = Object.assign(new Error('spawn systemctl ENOENT'), { code: 'ENOENT' });
    const err = await systemdError(stub(enoent).client.stop('a.service'), 'a.service');
    assert.equal(err.cause, enoent);
    assert.match(err.message, /a\.service/);
    assert.match(err.message, /systemctl --no-pager stop a\.service/);
  });

  test('a failing systemctl is an ERR_SYSTEMD quoting its last stderr line', async () => {
    const denied = stub({ code: 1, stderr: 'Warning: something\nFailed to reload daemon: Access denied\n' });
    const err = await systemdError(denied.client.daemonReload());
    assert.match(err.message, /systemctl --no-pager daemon-reload` exited with 1: "Failed to reload daemon: Access denied"$/);
    const empty = await systemdError(stub({ code: 4, stdout: '' }).client.isActive('b.service'), 'b.service');
    assert.match(empty.message, /^b\.service: .*is-active b\.service` exited with 4 and printed nothing$/);
  });
});

const unavailable = privateSystemdUnavailable();
const workDir = `/tmp/ctrmon-e2e-client-${process.pid}`;

const UNITS: Record<string, string> = {
  'sleeper.service': '[Unit]\nDescription=sleeps, a=b\n[Service]\nType=simple\nExecStart=/bin/sleep infinity\n',
  'false.service': '[Service]\nType=oneshot\nExecStart=/bin/false\n',
  'needs-false.service': '[Unit]\nRequires=false.service\nAfter=false.service\n[Service]\nType=oneshot\nExecStart=/bin/true\n',
  // Type=notify with a main process that never says READY=1.
  'never-ready.service': '[Service]\nType=notify\nExecStart=/bin/sleep infinity\nTimeoutStartSec=1\n',
};

// A suite that cannot run is reported as one skipped test with its reason.
const skipReason = `cannot boot a private systemd here: ${unavailable}`;
if (unavailable) test('SystemdClient under a real systemd', { skip: skipReason }, () => undefined);
else
  describe('SystemdClient under a real systemd', () => {
    let nsd: PrivateSystemd;
    let client: SystemdClient;

    before(async () => {
      nsd = await PrivateSystemd.boot(workDir);
      client = nsd.client;
      for (const [name, content] of Object.entries(UNITS)) await nsd.installUnit(name, content);
    });
    after(async () => {
      await nsd?.shutdown();
      rmSync(workDir, { recursive: true, force: true });
    });

    test('start of a good unit is done and leaves it active, its main process running', async () => {
      const r = await client.start('sleeper.service');
      assert.deepEqual(r, {
        unit: 'sleeper.service',
        result: 'done',
        activeState: 'active',
        subState: 'running',
        serviceResult: 'success',
        execMainStatus: null,
        message: '',
      });
      assert.equal(await client.isActive('sleeper.service'), 'active');
    });

    test('restart is done with a new main process', async () => {
      const before = (await client.show('sleeper.service', 'MainPID')).MainPID;
      assert.ok(Number(before) > 0, `MainPID=${before}`);
      const r = await client.restart('sleeper.service');
      assert.deepEqual([r.result, r.activeState], ['done', 'active']);
      const now = (await client.show('sleeper.service', 'MainPID')).MainPID;
      assert.ok(Number(now) > 0 && now !== before, `MainPID ${before} -> ${now}`);
    });

    test('stop is done and leaves it inactive', async () => {
      // Not execMainStatus: systemd may unload an inactive unit at once, and with it the main process's status.
      const r = await client.stop('sleeper.service');
      assert.deepEqual([r.result, r.activeState, r.serviceResult], ['done', 'inactive', 'success']);
      assert.equal(await client.isActive('sleeper.service'), 'inactive');
    });

    test('a start that fails resolves as failed, with the exit code', async () => {
      const r = await client.start('false.service');
      assert.deepEqual([r.result, r.activeState, r.serviceResult, r.execMainStatus], ['failed', 'failed', 'exit-code', 1]);
      assert.match(r.message, /^Job for false\.service failed because the control process exited with error code\./);
      assert.equal(await client.isActive('false.service'), 'failed');
      await client.resetFailed('false.service');
      assert.equal(await client.isActive('false.service'), 'inactive');
    });

    test('a unit whose requirement fails: dependency', async () => {
      const r = await client.start('needs-false.service');
      assert.deepEqual([r.result, r.activeState], ['dependency', 'inactive']);
      assert.match(r.message, /^A dependency job for needs-false\.service failed/);
      await client.resetFailed('false.service');
    });

    test('a notify unit that never says READY=1: timeout', async () => {
      const t0 = Date.now();
      const r = await client.start('never-ready.service');
      assert.ok(Date.now() - t0 >= 1000, `returned after ${Date.now() - t0} ms`);
      assert.deepEqual([r.result, r.activeState, r.serviceResult], ['timeout', 'failed', 'timeout']);
      await client.resetFailed('never-ready.service');
    });

    test('a unit that does not exist: start rejects with ERR_SYSTEMD naming it', async () => {
      const err = await systemdError(client.start('missing.service'), 'missing.service');
      const quoted = /^missing\.service: `systemctl --no-pager start missing\.service` exited with \d+: ".*missing\.service not found\."$/;
      assert.match(err.message, quoted);
      await systemdError(client.resetFailed('missing.service'), 'missing.service');
    });

    test('show returns exactly the properties asked for, "=" in values included', async () => {
      assert.deepEqual(await client.show('sleeper.service', 'Id', 'Description', 'Type', 'LoadState'), {
        Id: 'sleeper.service',
        Description: 'sleeps, a=b',
        Type: 'simple',
        LoadState: 'loaded',
      });
      assert.deepEqual(await client.show('missing.service', 'LoadState'), { LoadState: 'not-found' });
    });
  });
