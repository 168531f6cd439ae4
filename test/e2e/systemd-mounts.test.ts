// End to end under a real systemd: the container's filesystem, devices and secrets as a running
// container sees them. ReadOnly= and Tmpfs= from a .container file (the root refuses a write, the
// tmpfs takes one), --device (another path, its major:minor, writable as allowed), a named volume
// whose data outlives a restart, and a secret the container reads that the host keeps from other
// users. Skipped with the reason where a private systemd cannot boot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { GENERATOR_DIR, PrivateSystemd, privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { CTRMON, testBundle } from '../helpers/monitor-process';
import { delay } from '../helpers/wait';

const unavailable = privateSystemdUnavailable();
const workDir = `/tmp/ctrmon-e2e-mounts-${process.pid}`;
const volumesDir = path.join(workDir, 'volumes');
const secretsDir = path.join(workDir, 'secrets');
let bundle: string;
let nsd: PrivateSystemd;

function ctrmon(args: string[], input?: string): string {
  const r = spawnSync(process.execPath, [CTRMON, ...args], { encoding: 'utf8', input });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Starts the unit and waits for the container's output line that matches. */
async function startAndRead(unit: string, line: RegExp): Promise<string> {
  const start = await nsd.client.start(unit);
  assert.equal(start.result, 'done', start.message);
  for (let i = 0; i < 100; i++) {
    const journal = nsd.journal(unit);
    if (line.test(journal)) return journal;
    await delay(100);
  }
  throw new Error(`${unit}: no line ${line} in\n${nsd.journal(unit)}`);
}

const skipReason = `cannot boot a private systemd here: ${unavailable}`;

if (unavailable) test('end-to-end mounts under a real systemd', { skip: skipReason }, () => undefined);
else
  describe('mounts, devices and secrets under a real systemd', () => {
    before(async () => {
      bundle = testBundle();
      mkdirSync(workDir, { recursive: true });
      nsd = await PrivateSystemd.boot(workDir);
      const generator = realpathSync(path.join(path.dirname(CTRMON), 'ctrmon-systemd-generator'));
      assert.equal(nsd.exec(['ln', '-s', generator, `${GENERATOR_DIR}/ctrmon-systemd-generator`]).status, 0);
    });
    after(async () => {
      await nsd?.shutdown();
      rmSync(workDir, { recursive: true, force: true });
    });

    test('ReadOnly= and Tmpfs=: the root refuses a write, the tmpfs takes one', async () => {
      // The demo bundle's root is read-only already: this one's is writable, so ReadOnly= must make it so.
      const writable = path.join(workDir, 'writable-bundle');
      mkdirSync(writable, { recursive: true });
      const config = JSON.parse(readFileSync(path.join(bundle, 'config.json'), 'utf8'));
      config.root = { path: path.join(bundle, 'rootfs'), readonly: false };
      writeFileSync(path.join(writable, 'config.json'), JSON.stringify(config));
      nsd.writeFile(
        '/run/ctrmon/systemd/ro.container',
        [
          '[Container]',
          `Bundle=${writable}`,
          'Runtime=runc',
          'ReadOnly=true',
          'ReadOnlyTmpfs=false',
          'Tmpfs=/run:size=1m',
          "Exec=/bin/sh -c 'touch /etc/probe 2>/dev/null && echo root-writable || echo root-read-only; " +
            'echo ok >/run/probe && echo tmpfs-took: `cat /run/probe`; grep " /run " /proc/mounts; echo done; sleep 600\'',
          '',
        ].join('\n'),
      );
      await nsd.client.daemonReload();
      const out = await startAndRead('ro.service', /done/);
      rmSync(path.join(bundle, 'rootfs', 'etc', 'probe'), { force: true }); // what a writable root would have kept
      assert.match(out, /root-read-only/);
      assert.doesNotMatch(out, /root-writable/);
      assert.match(out, /tmpfs-took: ok/);
      assert.match(out, /tmpfs \/run tmpfs [^ ]*size=1024k/);
      await nsd.client.stop('ro.service');
    });

    test('--device: a host device at another path, with its major:minor, writable as allowed', async () => {
      await nsd.installUnit(
        'dev.service',
        ctrmon([
          'generate',
          'systemd',
          '--bundle',
          bundle,
          '--runtime',
          'runc',
          '--device',
          '/dev/null:/dev/extra-null:rw',
          'dev',
          '/bin/sh',
          '-c',
          "stat -c 'node %t:%T %F' /dev/extra-null; echo x >/dev/extra-null && echo wrote; echo done; sleep 600",
        ]),
      );
      const out = await startAndRead('dev.service', /done/);
      assert.match(out, /node 1:3 character special file/);
      assert.match(out, /wrote/);
      await nsd.client.stop('dev.service');
    });

    test('a named volume is made on first use and its data outlives a restart', async () => {
      await nsd.installUnit(
        'vol.service',
        ctrmon([
          'generate',
          'systemd',
          '--bundle',
          bundle,
          '--runtime',
          'runc',
          '--volumes-dir',
          volumesDir,
          '--volume',
          'state:/run',
          'vol',
          '/bin/sh',
          '-c',
          'echo start >>/run/starts; echo starts: `wc -l </run/starts`; sleep 600',
        ]),
      );
      assert.match(await startAndRead('vol.service', /starts: 1/), /starts: 1/);
      assert.deepEqual(
        JSON.parse(ctrmon(['volume', 'ls', '--volumes-dir', volumesDir, '--format', 'json'])).map((v: { Name: string }) => v.Name),
        ['state'],
      );
      // Asked where the monitor runs (its pid namespace): the volume is in use.
      const rm = nsd.exec([process.execPath, CTRMON, 'volume', 'rm', '--volumes-dir', volumesDir, 'state']);
      assert.match(rm.stderr, /volume state is being used by container vol/);
      await nsd.client.stop('vol.service');
      assert.match(await startAndRead('vol.service', /starts: 2/), /starts: 2/);
      await nsd.client.stop('vol.service');
      assert.equal(readFileSync(path.join(volumesDir, 'state', '_data', 'starts'), 'utf8'), 'start\nstart\n');
    });

    test('a secret: the container reads it; the host keeps it, and the copy, from other users', async () => {
      ctrmon(['secret', 'create', '--secrets-dir', secretsDir, 'token', '-'], 'open-sesame');
      await nsd.installUnit(
        'sec.service',
        ctrmon([
          'generate',
          'systemd',
          '--bundle',
          bundle,
          '--runtime',
          'runc',
          '--secrets-dir',
          secretsDir,
          '--secret',
          'token,target=/tmp/token,mode=0400',
          'sec',
          '/bin/sh',
          '-c',
          'echo secret: `cat /tmp/token` `stat -c %a /tmp/token`; echo x >/tmp/token 2>/dev/null || echo read-only; sleep 600',
        ]),
      );
      const out = await startAndRead('sec.service', /read-only/);
      assert.match(out, /secret: open-sesame 400/);
      for (const [p, mode] of [
        [secretsDir, 0o700],
        [path.join(secretsDir, 'token', 'data'), 0o600],
      ] as const)
        assert.equal(statSync(p).mode & 0o777, mode, p);
      assert.equal(
        nsd.exec(['stat', '-c', '%a', '/run/ctrmon/sec/secrets']).stdout.trim(),
        '700',
        "the container's copy is in a root-only directory",
      );
      await nsd.client.stop('sec.service');
      assert.notEqual(nsd.exec(['test', '-e', '/run/ctrmon/sec/secrets']).status, 0, 'the copy goes with the container');
    });
  });
