// Socket activation without systemd: systemd-socket-activate(1) listens, and on the first
// connection execs `ctrmon monitor` with LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES as systemd would.
// The containerized server (the demo rootfs's /bin/hello, which accepts only on the fds it was
// given) answers; ctrmon keeps no copy of the socket; with runc and crun, from a bundle and from an
// image, in each --sdnotify mode; and LISTEN_FDS meant for another process is ignored.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { buildLayout } from '../lab/registry/layout-builder';
import { freePort } from '../lab/registry/test-registry';
import { CRUN_WRAP, crunSkipReason, integrationSuite } from '../helpers/integration-suite';
import { delay } from '../helpers/wait';

const suite = integrationSuite('socket', 'runc');
const activateSkipReason =
  spawnSync('sh', ['-c', 'command -v systemd-socket-activate']).status === 0 ? false : 'systemd-socket-activate (systemd) is not installed';

/** Connects (once something listens on port), returns everything the server wrote before closing. */
async function ask(port: number): Promise<string> {
  for (let tries = 0; ; tries++) {
    try {
      return await askOnce(port);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || tries >= 100) throw err;
      await delay(50);
    }
  }
}

function askOnce(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(20_000, () => socket.destroy(new Error(`no answer on port ${port}`)));
    socket.on('data', (d) => (text += d.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/** The sockets (their inodes) among a process's fds. */
function socketsOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`)
    .map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((l) => l.startsWith('socket:'));
}

async function activated(port: number, options: string[], wrap: string[] = [], notify = true) {
  const systemd = notify ? await suite.listener() : undefined;
  const m = suite.monitor({
    options,
    command: ['/bin/hello'],
    notifySocket: systemd?.address,
    // It passes on no environment but PATH and what -E names.
    launcher: [
      'systemd-socket-activate',
      '-l',
      `127.0.0.1:${port}`,
      '--fdname=web',
      ...(systemd ? ['-E', `NOTIFY_SOCKET=${systemd.address}`] : []),
    ],
    wrap,
  });
  return { m, systemd };
}

describe('socket activation', { skip: activateSkipReason }, () => {
  test('runc, a bundle, --sdnotify container: the container answers on fd 3, ctrmon keeps no copy', async () => {
    const port = await freePort();
    const { m, systemd } = await activated(port, ['--runtime', 'runc', '--bundle', suite.bundle, '--sdnotify', 'container']);
    assert.equal(await ask(port), 'hello from ctrmon-demo on fd 3 (web)\n', m.stderr);
    await systemd!.waitFor((e) => e.msg.startsWith('READY=1'), 5000, 'READY from the server');
    assert.equal(await ask(port), 'hello from ctrmon-demo on fd 3 (web)\n', 'it keeps serving');
    const state = await m.waitForPhase('ready');
    const listening = readlinkSync(`/proc/${state.containerPid}/fd/3`);
    assert.match(listening, /^socket:/);
    assert.ok(!socketsOf(m.pid).includes(listening), 'the monitor holds no copy of the listening socket');
    assert.match(m.stderr, /"fds":1,"names":\["web"\],"msg":"passing the activated sockets to the container"/);
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0, m.stderr);
  });

  test('crun, --sdnotify conmon', { skip: crunSkipReason }, async () => {
    const port = await freePort();
    const { m } = await activated(
      port,
      ['--runtime', 'crun', '--runtime-arg=--cgroup-manager=disabled', '--bundle', suite.bundle, '--sdnotify', 'conmon'],
      CRUN_WRAP,
    );
    assert.equal(await ask(port), 'hello from ctrmon-demo on fd 3 (web)\n', m.stderr);
    assert.equal(m.state().runtime.name, 'crun');
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0, m.stderr);
  });

  test('an image, --sdnotify ignore', async () => {
    const store = path.join(suite.scratch, 'store');
    const layout = buildLayout(path.join(suite.scratch, 'layout'), 'hello', [path.join(suite.bundle, 'rootfs')], { Cmd: ['/bin/hello'] });
    const copy = spawnSync('skopeo', ['copy', '--quiet', `oci:${layout.dir}:hello`, `oci:${store}:localhost/hello:1`], {
      encoding: 'utf8',
    });
    if (copy.status !== 0) throw new Error(`skopeo: ${copy.stderr}`);
    const port = await freePort();
    const { m } = await activated(
      port,
      [
        '--runtime',
        'runc',
        '--image',
        'localhost/hello:1',
        '--root',
        store,
        '--pull',
        'never',
        '--network',
        'none',
        '--sdnotify',
        'ignore',
      ],
      [],
      false,
    );
    // An image's container has its name as its hostname.
    assert.equal(await ask(port), `hello from ${m.name} on fd 3 (web)\n`, m.stderr);
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0, m.stderr);
  });

  test('LISTEN_PID of another process: ignored with a warning, the container gets no sockets', async () => {
    const m = suite.monitor({
      options: ['--runtime', 'runc', '--bundle', suite.bundle, '--sdnotify', 'ignore', '--log-driver', 'passthrough'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, inside the container
      command: ['/bin/sh', '-c', 'echo "LISTEN_FDS=${LISTEN_FDS:-unset} LISTEN_PID=${LISTEN_PID:-unset}"'],
      env: { LISTEN_FDS: '1', LISTEN_PID: '1', LISTEN_FDNAMES: 'web' },
    });
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.match(m.stdout, /^LISTEN_FDS=unset LISTEN_PID=unset$/m);
    assert.match(m.stderr, /LISTEN_PID=1 is not ctrmon's pid \d+: the fds are not ours","msg":"ignoring LISTEN_FDS/);
  });
});
