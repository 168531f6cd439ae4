// What ctrmon's auto-update adds to podman's, each under the real systemd with a real registry:
// success judged by READY on the new digest and a soak window within ctrmon's own deadline; the
// kept previous image and `ctrmon rollback`; hooks and journal entries; dependents brought back;
// and a run killed with SIGKILL mid-update, or a second run at the same time, leaving nothing
// half done.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';

import { ImageStore } from '../../src/image/store/store';
import type { UpdateReport } from '../../src/update/report';
import { updateSuite } from '../helpers/update-suite';

updateSuite('auto-update, verified', (suite) => {
  const { row } = suite;
  /** A started unit of its own repository on version 1; returns the reference and v1's digest. */
  const service = async (name: string, extra: { args?: string[]; unitLines?: string[] } = {}) => {
    const { lab } = suite;
    const ref = lab.ref(name);
    const v1 = lab.push(ref, '1');
    await lab.installUnit(`${name}.service`, ref, 'registry', extra);
    const job = await lab.nsd.client.start(`${name}.service`);
    assert.equal(job.result, 'done', lab.nsd.journal(`${name}.service`));
    return { ref, v1 };
  };
  const stop = async (name: string) => {
    await suite.lab.nsd.client.stop(`${name}.service`);
  };

  test('an image that exits after READY, inside the soak window, is rolled back (podman would report true)', async () => {
    const { lab } = suite;
    const { ref, v1 } = await service('soak');
    const bad = lab.push(ref, 'dies-later', { exitAfter: 1, exitCode: 1 });
    const run = await lab.autoUpdate('--soak', '5s');
    const r = row(run, 'soak.service');
    assert.deepEqual([r.Updated, r.Cause, r.NewDigest], ['rolled back', 'soak', bad], r.Error ?? '');
    assert.match(r.Error ?? '', /after it was ready/);
    assert.equal(lab.state('soak').manifestDigest, v1);
    await stop('soak');
  });

  test('an exit before READY is detected at once, not at the deadline', async () => {
    const { lab } = suite;
    const { ref, v1 } = await service('early', { unitLines: ['Restart=always', 'RestartSec=100ms'] });
    lab.push(ref, 'exits', { crash: 2 });
    const started = Date.now();
    const run = await lab.autoUpdate('--timeout', '60s');
    const r = row(run, 'early.service');
    assert.deepEqual([r.Updated, r.Cause], ['rolled back', 'start'], r.Error ?? '');
    // Restart=always keeps systemd's start job waiting through the restarts; ctrmon does not wait.
    assert.ok(Date.now() - started < 30_000, `returned after ${Date.now() - started} ms, not at the 60 s deadline`);
    assert.equal(lab.state('early').manifestDigest, v1);
    await stop('early');
  });

  test('an image that never becomes ready is judged at --timeout, not by waiting for TimeoutStartSec', async () => {
    const { lab } = suite;
    const { ref, v1 } = await service('never');
    lab.push(ref, 'never-ready', { readyDelay: 3600 });
    const run = await lab.autoUpdate('--timeout', '3s');
    const r = row(run, 'never.service');
    assert.deepEqual([r.Updated, r.Cause], ['rolled back', 'readiness'], r.Error ?? '');
    assert.match(r.Error ?? '', /not ready within 3 s/);
    assert.equal(lab.state('never').manifestDigest, v1);
    assert.equal((await lab.nsd.show('never.service', 'ActiveState')).ActiveState, 'active');
    await stop('never');
  });

  test('hooks get the report as JSON; each update and rollback is a journal entry', async () => {
    const { lab, work } = suite;
    const { ref } = await service('hooked');
    const out = path.join(work, 'hook-out');
    for (const kind of ['updated.d', 'rolled-back.d']) {
      mkdirSync(path.join(lab.hooksDir, kind), { recursive: true });
      const hook = path.join(lab.hooksDir, kind, '10-record');
      writeFileSync(hook, `#!/bin/sh\ncat >>${out}-${kind}\necho "$CTRMON_UNIT $CTRMON_STATUS" >>${out}-${kind}\n`);
      chmodSync(hook, 0o755);
    }
    const v2 = lab.push(ref, '2');
    assert.equal(row(await lab.autoUpdate(), 'hooked.service').Updated, 'true');
    const bad = lab.push(ref, 'broken', { crash: 1 });
    assert.equal(row(await lab.autoUpdate(), 'hooked.service').Updated, 'rolled back');

    const [updatedJson, updatedEnv] = readFileSync(`${out}-updated.d`, 'utf8').trim().split('\n');
    const updated = JSON.parse(updatedJson) as UpdateReport;
    assert.deepEqual([updated.Unit, updated.Updated, updated.NewDigest], ['hooked.service', 'true', v2]);
    assert.equal(updatedEnv, 'hooked.service true');
    const rolledBack = JSON.parse(readFileSync(`${out}-rolled-back.d`, 'utf8').split('\n')[0]) as UpdateReport;
    assert.deepEqual([rolledBack.Updated, rolledBack.NewDigest, rolledBack.Cause], ['rolled back', bad, 'start']);
    rmSync(lab.hooksDir, { recursive: true });

    lab.nsd.exec(['journalctl', '--sync']);
    const journal = lab.nsd.exec(['journalctl', '--no-pager', '-o', 'json', 'SYSLOG_IDENTIFIER=ctrmon-auto-update', 'UNIT=hooked.service']);
    const entries = journal.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    assert.deepEqual(
      entries.map((e) => [e.CTRMON_EVENT, e.NEW_DIGEST]),
      [
        ['update', v2],
        ['rollback', bad],
      ],
    );
    await stop('hooked');
  });

  test('the previous image is kept; `ctrmon rollback` goes back to it and quarantines the one it left', async () => {
    const { lab } = suite;
    const { ref, v1 } = await service('manual');
    const v2 = lab.push(ref, '2');
    assert.equal(row(await lab.autoUpdate(), 'manual.service').Updated, 'true');
    const prune = await lab.ctrmon(['image', 'prune', '--all', '--root', lab.store]);
    assert.equal(prune.code, 0, prune.stderr);
    const back = await lab.rollback('manual.service');
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual([row(back, 'manual.service').Updated, row(back, 'manual.service').NewDigest], ['rolled back', v1]);
    assert.equal(lab.state('manual').manifestDigest, v1);
    assert.equal((await ImageStore.open(lab.store)).resolve(ref)?.digest, v1);
    const next = await lab.autoUpdate();
    assert.deepEqual([row(next, 'manual.service').Updated, row(next, 'manual.service').Quarantined], ['false', true]);
    assert.equal(lab.state('manual').manifestDigest, v1, `${v2} stays quarantined until the registry offers another image`);
    const v3 = lab.push(ref, '3');
    assert.deepEqual([row(await lab.autoUpdate(), 'manual.service').Updated, lab.state('manual').manifestDigest], ['true', v3]);
    await stop('manual');
  });

  test('a unit that Requires= the updated one is active again after the rollback', async () => {
    const { lab } = suite;
    const { ref } = await service('base');
    await lab.nsd.installUnit(
      'needs-base.service',
      '[Unit]\nRequires=base.service\nAfter=base.service\n[Service]\nExecStart=/bin/sleep infinity\n',
    );
    assert.equal((await lab.nsd.client.start('needs-base.service')).result, 'done');
    lab.push(ref, 'broken', { crash: 1 });
    const r = row(await lab.autoUpdate(), 'base.service');
    assert.equal(r.Updated, 'rolled back');
    assert.deepEqual(r.DependentsRestarted, ['needs-base.service']);
    assert.equal(await lab.nsd.client.isActive('needs-base.service'), 'active');
    await lab.nsd.client.stop('needs-base.service');
    await stop('base');
  });

  test('kill -9 between pull and verify leaves the old reference; the next run recovers and finishes', async () => {
    const { lab } = suite;
    const { ref, v1 } = await service('crashsafe');
    const v2 = lab.push(ref, '2', { readyDelay: 4 });
    const running = lab.ctrmon(lab.engineArgs('auto-update', []));
    const intent = path.join(lab.updateDir, 'intent.json');
    const pin = '/run/ctrmon/crashsafe/image-pin';
    for (let i = 0; i < 200 && !(existsSync(intent) && lab.nsd.exec(['test', '-e', pin]).status === 0); i++) await sleep(50);
    assert.ok(existsSync(intent), 'the intent is recorded before the unit is touched');

    // A second run meanwhile is refused, and changes nothing.
    const second = await lab.ctrmon(lab.engineArgs('auto-update', []));
    assert.equal(second.code, 125);
    assert.match(second.stderr, /another auto-update or rollback is running \(pid \d+\)/);

    const { pid } = JSON.parse(readFileSync(intent, 'utf8')) as { pid: number };
    lab.nsd.exec(['kill', '-9', String(pid)]);
    await running;
    assert.equal((await ImageStore.open(lab.store)).resolve(ref)?.digest, v1, 'the reference never names an unverified digest');
    // The unit may still be starting the new image: whatever it settles on is one of the two.
    let s = lab.state('crashsafe');
    for (let i = 0; i < 100 && (s.phase === 'creating' || s.manifestDigest === null); i++) {
      await sleep(100);
      s = lab.state('crashsafe');
    }
    assert.ok([v1, v2].includes(s.manifestDigest!), `the unit runs the old or the new image, not ${s.manifestDigest}`);

    const run = await lab.autoUpdate();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Recovering crashsafe\.service/);
    const r = row(run, 'crashsafe.service');
    assert.deepEqual([r.Updated, r.Recovered, r.NewDigest], ['true', true, v2]);
    assert.equal(lab.state('crashsafe').manifestDigest, v2);
    assert.equal((await ImageStore.open(lab.store)).resolve(ref)?.digest, v2);
    assert.equal(existsSync(intent), false);
    assert.notEqual(lab.nsd.exec(['test', '-e', pin]).status, 0, 'no pin is left');
    await stop('crashsafe');
  });

  test("updates in a row are not refused by systemd's start limit (StartLimitBurst=5 in 10 s)", async () => {
    const { lab } = suite;
    const { ref } = await service('often');
    for (let i = 2; i <= 7; i++) {
      const digest = lab.push(ref, String(i));
      const run = await lab.ctrmon(lab.engineArgs('auto-update', ['--soak', '0']));
      assert.equal(
        JSON.parse(run.stdout).find((r: UpdateReport) => r.Unit === 'often.service').Updated,
        'true',
        `update ${i}: ${run.stderr}`,
      );
      assert.equal(lab.state('often').manifestDigest, digest);
    }
    await stop('often');
  });
});
