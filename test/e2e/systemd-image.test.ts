// A container from an image as a real systemd service: the demo rootfs as a one-layer image, put
// into a store with `ctrmon load` (the private systemd has its own network namespace, so the unit
// runs with --pull=never), started by a unit `ctrmon generate systemd --image` wrote: active once
// the application says READY, the state file names the image, and after `systemctl stop` no
// container and no mount are left.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PrivateSystemd, privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import type { ContainerState } from '../../src/state/types';
import { buildLayout } from '../lab/registry/layout-builder';
import { CTRMON, testBundle } from '../helpers/monitor-process';

const unavailable = privateSystemdUnavailable() ?? (spawnSync('skopeo', ['--version']).status === 0 ? null : 'skopeo is not installed');

const skipReason = `cannot run here: ${unavailable}`;

if (unavailable) test('an image as a systemd service', { skip: skipReason }, () => undefined);
else
  describe('an image as a systemd service', () => {
    const work = mkdtempSync('/tmp/ctrmon-e2e-image-');
    const store = path.join(work, 'store');
    const name = 'localhost/ctrmon-demo:1';
    let nsd: PrivateSystemd;
    let manifestDigest: string;

    before(async () => {
      const layout = buildLayout(path.join(work, 'layout'), 'demo', [path.join(testBundle(), 'rootfs')], { Cmd: ['/bin/demo-app'] });
      manifestDigest = layout.manifestDigest;
      const archive = path.join(work, 'demo.tar');
      const copy = spawnSync('skopeo', ['copy', '--quiet', `oci:${layout.dir}:demo`, `oci-archive:${archive}:${name}`], {
        encoding: 'utf8',
      });
      assert.equal(copy.status, 0, copy.stderr);
      const load = spawnSync(process.execPath, [CTRMON, 'load', '--root', store, '-i', archive], { encoding: 'utf8' });
      assert.equal(load.status, 0, load.stderr);
      nsd = await PrivateSystemd.boot(path.join(work, 'systemd'));
    });
    after(async () => {
      await nsd?.shutdown();
      rmSync(work, { recursive: true, force: true });
    });

    test('ready, recorded, stopped, with nothing left mounted', async () => {
      const unit = spawnSync(
        process.execPath,
        [
          CTRMON,
          'generate',
          'systemd',
          '--image',
          name,
          '--root',
          store,
          '--pull',
          'never',
          '--runtime',
          'runc',
          '--sdnotify',
          'container',
          '-e',
          'READY_DELAY=1',
          'img',
        ],
        { encoding: 'utf8' },
      );
      assert.equal(unit.status, 0, unit.stderr);
      assert.match(unit.stdout, new RegExp(`RequiresMountsFor=${store} `));
      await nsd.installUnit('img.service', unit.stdout);
      const start = await nsd.client.start('img.service');
      assert.equal(start.result, 'done', `${start.message}\n${nsd.journal('img.service')}`);
      const show = await nsd.show('img.service', 'ActiveState', 'StatusText');
      assert.deepEqual([show.ActiveState, show.StatusText], ['active', 'demo-app serving']);
      const state = JSON.parse(nsd.readFile('/run/ctrmon/img/state.json')) as ContainerState;
      assert.deepEqual(state.source, {
        kind: 'image',
        reference: name,
        root: store,
        name,
        manifestDigest,
        indexDigest: null,
        imageId: state.source.kind === 'image' ? state.source.imageId : null,
      });
      assert.match(
        nsd.exec(['cat', '/proc/self/mountinfo']).stdout,
        /\/run\/ctrmon\/img\/rootfs /,
        'the rootfs is an overlay mount while it runs',
      );
      await nsd.client.stop('img.service');
      assert.equal((await nsd.show('img.service', 'ActiveState')).ActiveState, 'inactive');
      assert.doesNotMatch(nsd.exec(['cat', '/proc/self/mountinfo']).stdout, /\/run\/ctrmon\/img\/rootfs /, 'unmounted at the end');
      assert.equal(nsd.exec(['runc', 'list', '-q']).stdout.trim(), '', 'no runtime container left');
    });
  });
