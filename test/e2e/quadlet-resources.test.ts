// .volume and .image files under a real systemd with a real registry (test/lab/update-lab.ts): a
// .container that names both starts after their units have made the volume and pulled the image,
// runs the image by the .image file's ImageTag=, and writes into the volume the .volume file names.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { ContainerState } from '../../src/state/types';
import { CTRMON } from '../helpers/monitor-process';
import { registrySkipReason } from '../lab/registry/test-registry';
import { privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { UpdateLab } from '../lab/update-lab';

const unavailable = privateSystemdUnavailable() ?? (registrySkipReason() || null);
const workDir = `/tmp/ctrmon-e2e-quadlet-resources-${process.pid}`;

const skipReason = `cannot run here: ${unavailable}`;

if (unavailable) test('.volume and .image files under a real systemd', { skip: skipReason }, () => undefined);
else
  describe('.volume and .image files under a real systemd', () => {
    let lab: UpdateLab;
    const ctrmon = (...args: string[]) => lab.nsd.exec([process.execPath, CTRMON, ...args]);

    before(async () => {
      lab = await UpdateLab.start(workDir);
      lab.nsd.linkGenerator();
      // The default store and volumes directory, /var/lib/ctrmon, empty and inside the namespace only.
      for (const command of [
        ['mount', '-t', 'tmpfs', 'tmpfs', '/var/lib'],
        ['mkdir', '/var/lib/ctrmon'],
      ])
        assert.equal(lab.nsd.exec(command).status, 0, command.join(' '));
    });
    after(async () => {
      await lab?.stop();
      rmSync(workDir, { recursive: true, force: true });
    });

    test('the container starts after its volume is made and its image pulled, and uses both', async () => {
      const ref = lab.ref('web', 'v1');
      lab.push(ref, 'v1');
      lab.nsd.writeFile('/run/ctrmon/systemd/web.image', `[Image]\nImage=${ref}\nImageTag=localhost/web:pinned\nTLSVerify=false\n`);
      lab.nsd.writeFile('/run/ctrmon/systemd/data.volume', '[Volume]\nLabel=app=web\n');
      lab.nsd.writeFile(
        '/run/ctrmon/systemd/web.container',
        '[Container]\nImage=web.image\nPull=never\nVolume=data.volume:/data\nRuntime=runc\nNotify=true\n',
      );
      await lab.nsd.client.daemonReload();
      const start = await lab.nsd.client.start('web.service');
      assert.equal(start.result, 'done', `${start.message}\n${lab.nsd.journal('web-image.service')}\n${lab.nsd.journal('web.service')}`);
      for (const unit of ['web-image.service', 'data-volume.service']) {
        const show = await lab.nsd.show(unit, 'ActiveState', 'Result');
        assert.deepEqual([show.ActiveState, show.Result], ['active', 'success'], unit);
      }
      const state = JSON.parse(lab.nsd.readFile('/run/ctrmon/web/state.json')) as ContainerState;
      assert.equal(state.source.kind, 'image');
      assert.equal((state.source as { reference: string }).reference, 'localhost/web:pinned');
      assert.ok(lab.nsd.readFile(`/proc/${state.containerPid}/environ`).split('\0').includes('APP_VERSION=v1'));

      const inspect = ctrmon('volume', 'inspect', '--format', '{{.Labels.app}} {{.Mountpoint}}', 'systemd-data');
      assert.equal(inspect.status, 0, inspect.stderr);
      assert.equal(inspect.stdout, 'web /var/lib/ctrmon/volumes/systemd-data/_data\n');
      assert.equal(ctrmon('exec', 'web', 'sh', '-c', 'echo kept > /data/file').status, 0);
      assert.equal(lab.nsd.readFile('/var/lib/ctrmon/volumes/systemd-data/_data/file'), 'kept\n');
      await lab.nsd.client.stop('web.service');
    });

    test('a .container that names a .volume file that is not there makes no unit, and the generator says why', async () => {
      lab.nsd.writeFile('/run/ctrmon/systemd/lost.container', '[Container]\nImage=web.image\nVolume=gone.volume:/data\n');
      await lab.nsd.client.daemonReload();
      assert.notEqual(lab.nsd.exec(['test', '-e', '/run/systemd/generator/lost.service']).status, 0);
      assert.equal(lab.nsd.exec(['test', '-e', '/run/systemd/generator/web.service']).status, 0, 'the others are made');
      // What systemd's run printed, from the generator run by hand.
      const run = lab.nsd.exec([path.join(path.dirname(CTRMON), 'ctrmon-systemd-generator'), `${workDir}/generated`]);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /lost\.container:\d+: Volume=: gone\.volume: there is no gone\.volume in the Quadlet search directories/);
    });
  });
