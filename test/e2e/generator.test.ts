// The generator under a real systemd (test/lab/systemd/private-systemd.ts): a template with two
// instances, each running with its own %i; a drop-in that overrides the image; and a .container
// file in ~/.config/containers/systemd/ of root's user manager (user@0.service, started without
// logind: the unit below gives it XDG_RUNTIME_DIR), where the generator runs as a user generator.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { ContainerState } from '../../src/state/types';
import { PrivateSystemd, privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { buildLayout } from '../lab/registry/layout-builder';
import { CTRMON, testBundle } from '../helpers/monitor-process';

const unavailable = privateSystemdUnavailable();
const workDir = `/tmp/ctrmon-e2e-generator-${process.pid}`;
/** Where a user manager looks for generators, among others (systemd.generator(7)). */
const USER_GENERATOR_DIR = '/run/systemd/user-generators';
const USER_RUNTIME_DIR = '/run/user/0';
const PODMAN_USER_GENERATOR = '/usr/lib/systemd/user-generators/podman-user-generator';

const skipReason = `cannot boot a private systemd here: ${unavailable}`;

if (unavailable) test('the generator under a real systemd', { skip: skipReason }, () => undefined);
else
  describe('the generator under a real systemd', () => {
    let nsd: PrivateSystemd;
    let bundle: string;
    const generator = () => realpathSync(path.join(path.dirname(CTRMON), 'ctrmon-systemd-generator'));
    const state = (name: string) => JSON.parse(nsd.readFile(`/run/ctrmon/${name}/state.json`)) as ContainerState;
    /** The container process's environment, one KEY=value per entry. */
    const environOf = (pid: number) => nsd.readFile(`/proc/${pid}/environ`).split('\0');

    before(async () => {
      bundle = testBundle();
      nsd = await PrivateSystemd.boot(path.join(workDir, 'systemd'));
      nsd.linkGenerator();
    });
    after(async () => {
      await nsd?.shutdown();
      rmSync(workDir, { recursive: true, force: true });
    });

    test('a template with two instances: both run, each with its own %i in its name and environment', async () => {
      nsd.writeFile(
        '/run/ctrmon/systemd/web@.container',
        `[Container]\nBundle=${bundle}\nRuntime=runc\nNotify=true\nEnvironment=INSTANCE=%i\n[Install]\nWantedBy=multi-user.target\n`,
      );
      for (const instance of ['one', 'two'])
        assert.equal(nsd.exec(['ln', '-s', 'web@.container', `/run/ctrmon/systemd/web@${instance}.container`]).status, 0);
      await nsd.client.daemonReload();
      assert.equal(nsd.exec(['test', '-L', '/run/systemd/generator/multi-user.target.wants/web@one.service']).status, 0);
      for (const instance of ['one', 'two']) {
        const start = await nsd.client.start(`web@${instance}.service`);
        assert.equal(start.result, 'done', `${start.message}\n${nsd.journal(`web@${instance}.service`)}`);
      }
      for (const instance of ['one', 'two']) {
        const unit = `web@${instance}.service`;
        const show = await nsd.show(unit, 'ActiveState', 'MainPID');
        assert.equal(show.ActiveState, 'active');
        const s = state(`web-${instance}`);
        assert.equal(Number(show.MainPID), s.monitorPid);
        assert.ok(environOf(s.containerPid!).includes(`INSTANCE=${instance}`));
      }
      for (const instance of ['one', 'two']) await nsd.client.stop(`web@${instance}.service`);
    });

    test('a drop-in overrides the image (Image= in <name>.container.d/override.conf)', async (t) => {
      if (spawnSync('skopeo', ['--version']).status !== 0) return t.skip('skopeo is not installed');
      const store = path.join(workDir, 'store');
      const layout = buildLayout(path.join(workDir, 'layout'), 'demo', [path.join(bundle, 'rootfs')], { Cmd: ['/bin/demo-app'] });
      const archive = path.join(workDir, 'demo.tar');
      const name = 'localhost/ctrmon-demo:1';
      const copy = spawnSync('skopeo', ['copy', '--quiet', `oci:${layout.dir}:demo`, `oci-archive:${archive}:${name}`], {
        encoding: 'utf8',
      });
      assert.equal(copy.status, 0, copy.stderr);
      const load = spawnSync(process.execPath, [CTRMON, 'load', '--root', store, '-i', archive], { encoding: 'utf8' });
      assert.equal(load.status, 0, load.stderr);
      // The host's store path, /var/lib/ctrmon, is this store inside the namespace only.
      for (const command of [
        ['mount', '-t', 'tmpfs', 'tmpfs', '/var/lib'],
        ['mkdir', '/var/lib/ctrmon'],
        ['mount', '--bind', store, '/var/lib/ctrmon'],
      ])
        assert.equal(nsd.exec(command).status, 0, command.join(' '));
      nsd.writeFile('/run/ctrmon/systemd/img.container', '[Container]\nImage=localhost/absent:0\nPull=never\nRuntime=runc\nNotify=true\n');
      nsd.writeFile('/run/ctrmon/systemd/img.container.d/override.conf', `[Container]\nImage=${name}\n`);
      await nsd.client.daemonReload();
      const start = await nsd.client.start('img.service');
      assert.equal(start.result, 'done', `${start.message}\n${nsd.journal('img.service')}`);
      assert.equal(state('img').source.kind, 'image');
      assert.equal((state('img').source as { reference: string }).reference, name);
      await nsd.client.stop('img.service');
    });

    test("a file in ~/.config/containers/systemd/ of root's user manager runs as a user service", async (t) => {
      const podmanSkipReason = `podman's user generator (${PODMAN_USER_GENERATOR}) owns that directory here`;
      if (existsSync(PODMAN_USER_GENERATOR)) return t.skip(podmanSkipReason);
      const home = path.join(workDir, 'home');
      mkdirSync(path.join(home, '.config', 'containers', 'systemd'), { recursive: true });
      writeFileSync(
        path.join(home, '.config', 'containers', 'systemd', 'mine.container'),
        `[Container]\nBundle=${bundle}\nRuntime=runc\nNotify=true\nEnvironment=WHERE=user\n`,
      );
      assert.equal(nsd.exec(['mkdir', '-p', USER_GENERATOR_DIR]).status, 0);
      assert.equal(nsd.exec(['ln', '-s', generator(), `${USER_GENERATOR_DIR}/ctrmon-systemd-generator`]).status, 0);
      // user@.service as systemd ships it needs logind (PAM, user-runtime-dir@); this one only its environment.
      await nsd.installUnit(
        'user@0.service',
        [
          '[Unit]',
          'Description=User Manager for UID 0',
          '[Service]',
          'Type=notify',
          `Environment=XDG_RUNTIME_DIR=${USER_RUNTIME_DIR} HOME=${home}`,
          `ExecStartPre=/bin/mkdir -p ${USER_RUNTIME_DIR}`,
          'ExecStart=/lib/systemd/systemd --user',
          'Delegate=yes',
          'KillMode=mixed',
          '',
        ].join('\n'),
      );
      const manager = await nsd.client.start('user@0.service');
      assert.equal(manager.result, 'done', manager.message);
      const user = (...args: string[]) => nsd.run(['env', `XDG_RUNTIME_DIR=${USER_RUNTIME_DIR}`, 'systemctl', '--user', ...args]);
      const start = await user('start', 'mine.service');
      assert.equal(start.code, 0, `${start.stderr}\n${nsd.journal('user@0.service')}`);
      const show = await user('show', '-p', 'ActiveState', '-p', 'SourcePath', '-p', 'MainPID', 'mine.service');
      assert.match(show.stdout, /^ActiveState=active$/m);
      assert.match(show.stdout, new RegExp(`^SourcePath=${path.join(home, '.config', 'containers', 'systemd', 'mine.container')}$`, 'm'));
      const s = state('mine');
      assert.match(show.stdout, new RegExp(`^MainPID=${s.monitorPid}$`, 'm'));
      assert.ok(environOf(s.containerPid!).includes('WHERE=user'));
      assert.equal((await user('stop', 'mine.service')).code, 0);
      await nsd.client.stop('user@0.service');
    });
  });
