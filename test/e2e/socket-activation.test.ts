// Socket activation under a real systemd: a .socket unit on loopback inside the private systemd's
// own network namespace, beside the ctrmon service `ctrmon generate systemd --socket` wrote (and, for
// the generator, a .socket file beside a .container file). The first connection starts the service,
// and the containerized server (/bin/hello, which only accepts on the fds it was given) answers it;
// after `systemctl stop` of the service the socket still listens, and the next connection starts
// it again and is answered again. With runc and with crun.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PrivateSystemd, privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { CTRMON, testBundle } from '../helpers/monitor-process';

const RUNTIMES: Record<string, string[]> = {
  runc: ['--runtime', 'runc'],
  // crun works on this machine class only without a cgroup manager (shared/lab/README.md).
  crun: ['--runtime', 'crun', '--runtime-arg=--cgroup-manager=disabled'],
};
const unavailable = privateSystemdUnavailable();

const skipReason = `cannot boot a private systemd here: ${unavailable}`;

if (unavailable) test('socket activation under a real systemd', { skip: skipReason }, () => undefined);
else
  describe('socket activation under a real systemd', () => {
    const workDir = mkdtempSync('/tmp/ctrmon-e2e-socket-');
    let nsd: PrivateSystemd;
    let bundle: string;

    before(async () => {
      bundle = testBundle();
      nsd = await PrivateSystemd.boot(path.join(workDir, 'systemd'));
      nsd.linkGenerator();
    });
    after(async () => {
      await nsd?.shutdown();
      rmSync(workDir, { recursive: true, force: true });
    });

    /** A connection from inside the namespace; what the server wrote. */
    async function ask(port: number): Promise<string> {
      const r = await nsd.run(['timeout', '20', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && cat <&3`]);
      assert.equal(r.code, 0, `connecting to ${port}: ${r.stderr}`);
      return r.stdout;
    }

    async function activeState(unit: string): Promise<string> {
      return (await nsd.show(unit, 'ActiveState')).ActiveState;
    }

    for (const [index, [runtime, runtimeArgs]] of Object.entries(RUNTIMES).entries()) {
      test(`${runtime}: the first connection starts the service and is answered; again after a stop`, async () => {
        const name = `hello-${runtime}`;
        const port = 8080 + index;
        const generated = spawnSync(
          process.execPath,
          [
            CTRMON,
            'generate',
            'systemd',
            '--files',
            '--output-dir',
            workDir,
            '--bundle',
            bundle,
            ...runtimeArgs,
            '--sdnotify',
            'container',
            '--socket',
            `ListenStream=127.0.0.1:${port}`,
            '--socket',
            'FileDescriptorName=web',
            name,
            '/bin/hello',
          ],
          { encoding: 'utf8' },
        );
        assert.equal(generated.status, 0, generated.stderr);
        for (const file of generated.stdout.trim().split('\n')) {
          nsd.writeFile(`/run/systemd/system/${path.basename(file)}`, spawnSync('cat', [file], { encoding: 'utf8' }).stdout);
        }
        await nsd.client.daemonReload();
        assert.equal((await nsd.client.start(`${name}.socket`)).result, 'done');
        assert.equal(await activeState(`${name}.service`), 'inactive', 'nothing runs before a connection');

        assert.equal(await ask(port), `hello from ctrmon-demo on fd 3 (web)\n`, nsd.journal(`${name}.service`));
        assert.equal(await activeState(`${name}.service`), 'active');
        const { MainPID } = await nsd.show(`${name}.service`, 'MainPID');
        const fds = nsd.exec(['ls', '-l', `/proc/${MainPID}/fd`]).stdout;
        const listening = nsd.exec(['readlink', `/proc/${JSON.parse(nsd.readFile(`/run/ctrmon/${name}/state.json`)).containerPid}/fd/3`]);
        assert.match(listening.stdout, /^socket:/);
        assert.ok(!fds.includes(listening.stdout.trim()), 'ctrmon keeps no copy of the listening socket');

        assert.equal((await nsd.client.stop(`${name}.service`)).result, 'done');
        assert.equal(await activeState(`${name}.socket`), 'active', 'the socket still listens');
        assert.equal(await ask(port), `hello from ctrmon-demo on fd 3 (web)\n`, 'answered again by a new start');
        assert.equal(await activeState(`${name}.service`), 'active');
        await nsd.client.stop(`${name}.socket`);
        await nsd.client.stop(`${name}.service`);
      });
    }

    test('the generator pairs a .socket file with the .container file beside it', async () => {
      nsd.writeFile(
        '/run/ctrmon/systemd/quad.container',
        ['[Container]', `Bundle=${bundle}`, 'Runtime=runc', 'Notify=true', 'Exec=/bin/hello', ''].join('\n'),
      );
      nsd.writeFile('/run/ctrmon/systemd/quad.socket', '[Socket]\nListenStream=127.0.0.1:8090\n[Install]\nWantedBy=sockets.target\n');
      nsd.writeFile('/run/ctrmon/systemd/wrong.container', `[Container]\nBundle=${bundle}\nRuntime=runc\n`);
      nsd.writeFile('/run/ctrmon/systemd/wrong.socket', '[Socket]\nListenStream=127.0.0.1:8091\nAccept=yes\n');
      await nsd.client.daemonReload();
      assert.equal(
        nsd.exec(['test', '-L', '/run/systemd/generator/sockets.target.wants/quad.socket']).status,
        0,
        '[Install] became a link',
      );
      assert.equal((await nsd.show('wrong.socket', 'LoadState')).LoadState, 'not-found', 'Accept=yes is refused');
      assert.equal((await nsd.client.start('quad.socket')).result, 'done');
      assert.equal(await ask(8090), 'hello from ctrmon-demo on fd 3 (quad.socket)\n', 'systemd names the fd after its socket unit');
      assert.equal(await activeState('quad.service'), 'active');
      await nsd.client.stop('quad.socket');
      await nsd.client.stop('quad.service');
    });
  });
