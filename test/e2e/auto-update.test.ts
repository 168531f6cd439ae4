// podman's auto-update scenarios (test/system/255-auto-update.bats), ported: a real systemd, a
// real registry, images pushed by skopeo, ctrmon units, and `ctrmon auto-update` with podman's
// statuses, output and exit codes, plus what ctrmon adds to each (pull by digest, kept previous
// images, quarantine, honest exit codes).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { startTestRegistry } from '../lab/registry/test-registry';
import { ImageStore } from '../../src/image/store/store';
import { EXIT_ROLLED_BACK } from '../../src/update/report';
import { updateSuite } from '../helpers/update-suite';

updateSuite('auto-update, podman scenarios', (suite) => {
  const { row, start } = suite;
  const storeName = async (name: string) => (await ImageStore.open(suite.lab.store)).resolve(name)?.digest;

  test('registry: false, pending, true; pulled by digest; the previous image kept', async () => {
    const { lab } = suite;
    const ref = lab.ref('web');
    const v1 = lab.push(ref, '1');
    await lab.installUnit('web.service', ref, 'registry');
    assert.equal((await lab.nsd.client.start('web.service')).result, 'done', lab.nsd.journal('web.service'));
    assert.equal(lab.state('web').manifestDigest, v1);

    let run = await lab.autoUpdate('--dry-run');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      run.reports.map((r) => [r.Unit, r.Image, r.Updated, r.Policy]),
      [['web.service', ref, 'false', 'registry']],
    );

    const v2 = lab.push(ref, '2');
    run = await lab.autoUpdate('--dry-run');
    assert.deepEqual(
      run.reports.map((r) => [r.Updated, r.OldDigest, r.NewDigest]),
      [['pending', v1, v2]],
    );
    assert.equal(lab.state('web').manifestDigest, v1, 'a dry run changes nothing');

    run = await lab.autoUpdate();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.reports[0].Updated, 'true', run.stdout);
    assert.match(run.stderr, new RegExp(`Trying to pull ${lab.registry.host}/web@${v2}`));
    assert.equal(lab.state('web').manifestDigest, v2);
    assert.equal(await storeName(ref), v2, 'the reference names the new image once it is verified');
    assert.equal(await storeName(`${lab.registry.host}/web@${v1}`), v1, 'the previous image is kept under its digest');
    assert.equal(existsSync(`${lab.updateDir}/intent.json`), false);
  });

  test('registry with rollback: rolled back, exit 2, the old image runs again, the bad digest quarantined', async () => {
    const { lab } = suite;
    const ref = lab.ref('web');
    const good = lab.state('web').manifestDigest!;
    const bad = lab.push(ref, 'broken', { crash: 3 });
    const before = lab.state('web').invocationId;
    let run = await lab.autoUpdate();
    assert.equal(run.code, EXIT_ROLLED_BACK, run.stderr);
    assert.deepEqual(
      run.reports.map((r) => [r.Updated, r.Cause, r.OldDigest, r.NewDigest]),
      [['rolled back', 'start', good, bad]],
    );
    assert.match(run.reports[0].Error ?? '', /exited with code 3 before it was ready/);
    const now = lab.state('web');
    assert.equal(now.manifestDigest, good);
    assert.notEqual(now.invocationId, before, 'the unit was restarted on the old image');
    assert.equal((await lab.nsd.show('web.service', 'ActiveState')).ActiveState, 'active');
    assert.equal(await storeName(ref), good);

    run = await lab.autoUpdate();
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      run.reports.map((r) => [r.Updated, r.Quarantined, r.NewDigest]),
      [['false', true, bad]],
    );
    assert.doesNotMatch(run.stderr, /Trying to pull/, 'a quarantined digest is not pulled again');

    const csv = await lab.ctrmon(lab.engineArgs('auto-update', ['--dry-run', '--format', '{{.Unit}},{{.Image}},{{.Updated}},{{.Policy}}']));
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout, `web.service,${ref},false,registry\n`, 'a template over the same keys as podman, no header');
    const table = await lab.ctrmon(lab.engineArgs('auto-update', ['--dry-run', '--format', 'table']));
    assert.match(table.stdout, /^web\.service +web +\S+ +registry +false \(quarantined\)$/m);
  });

  test('local: pending, then true, with no registry involved; then a broken local image is rolled back', async () => {
    const { lab } = suite;
    const name = 'localhost/app:1';
    const v1 = lab.load(name, 'local-1');
    await lab.installUnit('app.service', name, 'local', { args: ['--pull', 'never'] });
    await start('app.service');
    let run = await lab.autoUpdate('--dry-run');
    assert.equal(row(run, 'app.service').Updated, 'false');

    const v2 = lab.load(name, 'local-2');
    run = await lab.autoUpdate('--dry-run');
    assert.deepEqual([row(run, 'app.service').Updated, row(run, 'app.service').Policy], ['pending', 'local']);
    run = await lab.autoUpdate();
    assert.equal(row(run, 'app.service').Updated, 'true', run.stderr);
    assert.equal(lab.state('app').manifestDigest, v2);
    assert.doesNotMatch(run.stderr, /Trying to pull localhost/);

    const bad = lab.load(name, 'local-broken', { crash: 1 });
    run = await lab.autoUpdate();
    assert.deepEqual([row(run, 'app.service').Updated, row(run, 'app.service').NewDigest], ['rolled back', bad]);
    assert.equal(run.code, EXIT_ROLLED_BACK);
    assert.equal(lab.state('app').manifestDigest, v2);
    assert.equal(await storeName(name), v2, 'the name is the old image again');
    assert.notEqual(v1, v2);
  });

  test('disabled and no label: not listed; nothing managed prints [] and exits 0', async () => {
    const { lab } = suite;
    const ref = lab.ref('plain');
    lab.push(ref, '1');
    await lab.installUnit('off.service', ref, 'disabled');
    await lab.installUnit('nolabel.service', ref, null);
    await start('off.service');
    await start('nolabel.service');
    lab.push(ref, '2');
    const run = await lab.autoUpdate();
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      run.reports.filter((r) => r.Unit === 'off.service' || r.Unit === 'nolabel.service'),
      [],
    );
    await lab.nsd.client.stop('off.service');
    await lab.nsd.client.stop('nolabel.service');
    const none = await lab.ctrmon(['auto-update', '--update-dir', lab.updateDir, '--state-dir', '/run/ctrmon-empty', '--format', 'json']);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout.trim(), '[]');
    const table = await lab.ctrmon(['auto-update', '--update-dir', lab.updateDir, '--state-dir', '/run/ctrmon-empty']);
    assert.equal(table.stdout, '', 'a table of nothing is nothing, as in podman');
  });

  test('several services: an invalid policy is reported in podman words (exit 125) while the others are processed', async () => {
    const { lab } = suite;
    const ref = lab.ref('multi');
    lab.push(ref, '1');
    await lab.installUnit('bad-policy.service', ref, 'fakevalue');
    await lab.installUnit('multi-a.service', ref, 'image');
    await lab.installUnit('multi-b.service', ref, 'registry');
    for (const u of ['bad-policy', 'multi-a', 'multi-b']) await start(`${u}.service`);
    const v2 = lab.push(ref, '2');
    const run = await lab.ctrmon(lab.engineArgs('auto-update', ['--format', 'table']));
    assert.equal(run.code, 125);
    assert.match(
      run.stderr,
      /auto-updating container "bad-policy": invalid auto-update policy "fakevalue": valid policies are \["disabled" "image" "local" "registry"\]/,
    );
    assert.equal(lab.state('multi-a').manifestDigest, v2);
    assert.equal(lab.state('multi-b').manifestDigest, v2);
    assert.equal(run.stderr.match(/Trying to pull/g)?.length, 2, 'one pull per updated container');
    const lines = run.stdout.trim().split('\n');
    assert.match(lines[0], /^UNIT +CONTAINER +IMAGE +POLICY +UPDATED$/);
    assert.ok(
      lines.some((l) => /^multi-a\.service +multi-a +\S+ +registry +true$/.test(l)),
      run.stdout,
    );
    for (const u of ['bad-policy', 'multi-a', 'multi-b']) await lab.nsd.client.stop(`${u}.service`);
  });

  test('--rollback=false: the failed update is "failed", exit 125, and the reference still names the old image', async () => {
    const { lab } = suite;
    const ref = lab.ref('norb');
    const v1 = lab.push(ref, '1');
    await lab.installUnit('norb.service', ref, 'registry');
    await start('norb.service');
    lab.push(ref, 'broken', { crash: 1 });
    const run = await lab.autoUpdate('--rollback=false');
    assert.equal(run.code, 125);
    assert.deepEqual([row(run, 'norb.service').Updated, row(run, 'norb.service').Cause], ['failed', 'start']);
    assert.equal(await storeName(ref), v1);
    assert.notEqual((await lab.nsd.show('norb.service', 'ActiveState')).ActiveState, 'active', 'not restarted on the old image');
    await lab.nsd.client.stop('norb.service');
    await lab.nsd.client.resetFailed('norb.service').catch(() => undefined);
  });

  test('using systemd: the generated service and timer run auto-update as a oneshot unit', async () => {
    const { lab } = suite;
    const ref = lab.ref('timed');
    lab.push(ref, '1');
    await lab.installUnit('timed.service', ref, 'registry');
    await start('timed.service');
    const v2 = lab.push(ref, '2');
    const units = await lab.ctrmon(['generate', 'auto-update', '--', '--update-dir', lab.updateDir, '--soak', '1s']);
    assert.equal(units.code, 0, units.stderr);
    const [service, timer] = units.stdout.split(/\n(?=# generated by)/);
    assert.match(timer, /^OnCalendar=daily$/m);
    await lab.nsd.installUnit('ctrmon-auto-update.timer', timer);
    await lab.nsd.installUnit(
      'ctrmon-auto-update.service',
      service
        .replace('[Service]\n', `[Service]\nEnvironment=CONTAINERS_REGISTRIES_CONF=${lab.registriesConf}\n`)
        .replace('image prune --force', `image prune --force --root ${lab.store}`),
    );
    assert.equal((await lab.nsd.client.start('ctrmon-auto-update.timer')).result, 'done');
    assert.match((await lab.nsd.show('ctrmon-auto-update.timer', 'NextElapseUSecRealtime')).NextElapseUSecRealtime, /\d/);
    const job = await lab.nsd.client.start('ctrmon-auto-update.service');
    assert.equal(job.result, 'done', lab.nsd.journal('ctrmon-auto-update.service'));
    assert.equal(lab.state('timed').manifestDigest, v2);
    assert.match(lab.nsd.journal('ctrmon-auto-update.service'), /timed\.service +timed +\S+ +registry +true/);
    await lab.nsd.client.stop('timed.service');
  });

  test('--authfile, and the io.containers.autoupdate.authfile label, which wins over it', async () => {
    const { lab, work } = suite;
    const registry = await startTestRegistry({ kind: 'basic', username: 'edge', password: 's3cret' });
    try {
      const ref = `${registry.host}/private:latest`;
      const image = lab.layout('private-1');
      const push = (layout: typeof image) =>
        spawnSync('skopeo', [
          'copy',
          '-q',
          '--dest-tls-verify=false',
          '--dest-creds',
          'edge:s3cret',
          `oci:${layout.dir}:v`,
          `docker://${ref}`,
        ]);
      assert.equal(push(image).status, 0);
      const auth = path.join(work, 'auth.json');
      writeFileSync(auth, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('edge:s3cret').toString('base64') } } }));
      const pull = await lab.ctrmon(['pull', '--root', lab.store, '--tls-verify=false', '--authfile', auth, '-q', ref]);
      assert.equal(pull.code, 0, pull.stderr);
      await lab.installUnit('private.service', ref, 'registry', { args: ['--pull', 'never'] });
      await start('private.service');

      let run = await lab.autoUpdate('--tls-verify=false');
      assert.equal(run.code, 125);
      assert.match(row(run, 'private.service').Error ?? '', /^checking image updates for container private: .*(401|auth)/i);
      run = await lab.autoUpdate('--tls-verify=false', '--authfile', auth);
      assert.deepEqual([run.code, row(run, 'private.service').Updated], [0, 'false']);

      await lab.nsd.client.stop('private.service');
      await lab.installUnit('private.service', ref, 'registry', {
        args: ['--pull', 'never', '--label', `io.containers.autoupdate.authfile=${auth}`],
      });
      await start('private.service');
      const v2 = lab.layout('private-2');
      assert.equal(push(v2).status, 0);
      // /dev/null is no auth file (the other units of this suite fail their checks with it); the label wins for this one.
      run = await lab.autoUpdate('--tls-verify=false', '--authfile', '/dev/null');
      assert.deepEqual([row(run, 'private.service').Updated, row(run, 'private.service').Error], ['true', null], run.stderr);
      assert.equal(lab.state('private').manifestDigest, v2.manifestDigest);
      await lab.nsd.client.stop('private.service');
    } finally {
      await registry.stop();
    }
  });
});
