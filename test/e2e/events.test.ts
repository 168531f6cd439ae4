// Container events under a real systemd and its journald (test/lab/systemd/private-systemd.ts):
// a demo container unit becomes ready and then exits with 3; its monitor's events are structured
// journal entries, and `ctrmon events`, run inside the namespace as a user would, gives them back in
// order, filtered by container, event and unit, and bounded by --since and --until. Skipped with
// the reason where a private systemd cannot boot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { PrivateSystemd, privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { CTRMON, testBundle } from '../helpers/monitor-process';
import { delay } from '../helpers/wait';

const unavailable = privateSystemdUnavailable();
const workDir = `/tmp/ctrmon-e2e-events-${process.pid}`;
let nsd: PrivateSystemd;
let bundle: string;

/** `ctrmon generate systemd` for the demo bundle. */
function generate(args: string[]): string {
  const r = spawnSync(process.execPath, [CTRMON, 'generate', 'systemd', '--bundle', bundle, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Starts a unit whose demo application is ready after READY_DELAY and exits with code after EXIT_AFTER; waits for its end. */
async function runToExit(name: string, env: string[]): Promise<void> {
  const unit = `${name}.service`;
  const args = ['--runtime', 'runc', '--restart-policy', 'no', '--sdnotify', 'container', ...env.flatMap((e) => ['-e', e]), name];
  await nsd.installUnit(unit, generate(args));
  const start = await nsd.client.start(unit);
  assert.equal(start.result, 'done', start.message);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const show = await nsd.show(unit, 'ActiveState');
    if (show.ActiveState === 'failed' || show.ActiveState === 'inactive') break;
    assert.ok(Date.now() < deadline, `${unit} still ${show.ActiveState}`);
    await delay(100);
  }
}

/** `ctrmon events` inside the namespace, as a user would type it there; --format json's records. */
function events(...args: string[]): Array<Record<string, unknown>> {
  nsd.exec(['journalctl', '--sync']);
  const r = nsd.exec([process.execPath, CTRMON, 'events', ...args, '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const statuses = (list: Array<Record<string, unknown>>) => list.map((e) => [e.Name, e.Status, e.ContainerExitCode]);

const skipReason = `cannot boot a private systemd here: ${unavailable}`;

if (unavailable) test('container events under a real systemd', { skip: skipReason }, () => undefined);
else
  describe('container events under a real systemd', () => {
    const web = 'ev-web';
    const other = 'ev-other';

    before(async () => {
      bundle = testBundle();
      nsd = await PrivateSystemd.boot(workDir);
      await runToExit(web, ['READY_DELAY=1', 'EXIT_AFTER=1', 'EXIT_CODE=3']);
      await runToExit(other, ['READY_DELAY=0', 'EXIT_AFTER=1', 'EXIT_CODE=0']);
    });
    after(async () => {
      await nsd?.shutdown();
      rmSync(workDir, { recursive: true, force: true });
    });

    test('create, start, ready and died (exit code 3), in order, as journal entries of the unit', async () => {
      assert.equal((await nsd.show(`${web}.service`, 'ExecMainStatus')).ExecMainStatus, '3');
      const list = events('--filter', `container=${web}`);
      assert.deepEqual(statuses(list), [
        [web, 'create', undefined],
        [web, 'start', undefined],
        [web, 'ready', undefined],
        [web, 'died', 3],
      ]);
      for (const e of list) {
        assert.equal(e.Image, bundle);
        assert.deepEqual(e.Attributes, { unit: `${web}.service`, digest: '' });
        assert.match(String(e.Time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      }
      const ready = Date.parse(String(list[2].Time));
      assert.ok(ready - Date.parse(String(list[1].Time)) >= 900, 'ready came READY_DELAY after the start');
      // The journal holds them as structured entries of the unit (the monitor is its main process).
      const raw = nsd.exec(['journalctl', '--no-pager', '-o', 'json', `CONTAINER_NAME=${web}`, 'CTRMON_EVENT=died']);
      const entry = JSON.parse(raw.stdout.trim()) as Record<string, string>;
      assert.deepEqual(
        [entry.SYSLOG_IDENTIFIER, entry.EXIT_CODE, entry.UNIT, entry._SYSTEMD_UNIT, entry.MESSAGE, entry.PRIORITY],
        ['ctrmon', '3', `${web}.service`, `${web}.service`, `container ${web} died (exit code 3)`, '4'],
      );
      assert.notEqual(nsd.exec(['test', '-e', '/run/ctrmon/events.jsonl']).status, 0, 'with a journal, no fallback file');
    });

    test('--filter event=died: only the deaths, with their exit codes; OR within the key, AND across', () => {
      assert.deepEqual(statuses(events('--filter', 'event=died')), [
        [web, 'died', 3],
        [other, 'died', 0],
      ]);
      assert.deepEqual(statuses(events('--filter', 'event=died', '--filter', `container=${web}`)), [[web, 'died', 3]]);
      assert.deepEqual(statuses(events('--filter', 'event=create', '--filter', 'status=died', '--filter', `container=${other}`)), [
        [other, 'create', undefined],
        [other, 'died', 0],
      ]);
    });

    test('--filter unit=: the events of that unit only', () => {
      assert.deepEqual(
        events('--filter', `unit=${other}.service`).map((e) => e.Status),
        ['create', 'start', 'ready', 'died'],
      );
      assert.deepEqual(events('--filter', 'unit=nothing.service'), []);
    });

    test('--since and --until bound the list, inclusively', () => {
      const list = events('--filter', `container=${web}`);
      const [, start, ready] = list.map((e) => String(e.Time));
      assert.deepEqual(
        events('--filter', `container=${web}`, '--since', start).map((e) => e.Status),
        ['start', 'ready', 'died'],
      );
      assert.deepEqual(
        events('--filter', `container=${web}`, '--until', ready).map((e) => e.Status),
        ['create', 'start', 'ready'],
      );
      assert.deepEqual(
        events('--filter', `container=${web}`, '--since', start, '--until', ready).map((e) => e.Status),
        ['start', 'ready'],
      );
      assert.deepEqual(events('--filter', `container=${web}`, '--since', '1m').length, 4, 'a minute ago, as podman says it');
      assert.deepEqual(events('--filter', `container=${web}`, '--until', '2000-01-01'), []);
    });

    test("the default output is podman's text line", () => {
      nsd.exec(['journalctl', '--sync']);
      const r = nsd.exec([process.execPath, CTRMON, 'events', '--filter', `container=${web}`, '--filter', 'event=died']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(
          `^\\S+ \\S+ \\+0000 UTC container died ${web} \\(image=${bundle}, name=${web}, exit_code=3, unit=${web}\\.service\\)\\n$`,
        ),
      );
    });
  });
