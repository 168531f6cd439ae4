// A .container file as a podman user writes it, turned into a unit by the generator under a real
// systemd (test/lab/systemd/private-systemd.ts): the container's output is in the journal under its
// name (SyslogIdentifier=), specifiers are expanded by systemd when it loads the unit, escapes were
// resolved by the generator, and a Type=oneshot container runs to completion. On a machine that cannot
// host a private systemd the suite is skipped with the reason.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { PrivateSystemd, privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { testBundle } from '../helpers/monitor-process';

const unavailable = privateSystemdUnavailable();
const workDir = `/tmp/ctrmon-e2e-quadlet-${process.pid}`;
let nsd: PrivateSystemd;

const skipReason = `cannot boot a private systemd here: ${unavailable}`;

if (unavailable) test('Quadlet units under a real systemd', { skip: skipReason }, () => undefined);
else
  describe('Quadlet units under a real systemd', () => {
    before(async () => {
      nsd = await PrivateSystemd.boot(workDir);
      nsd.linkGenerator();
    });
    after(async () => {
      await nsd?.shutdown();
      rmSync(workDir, { recursive: true, force: true });
    });

    test('journalctl -t <name> shows the output of a oneshot container, with specifiers and escapes resolved', async () => {
      nsd.writeFile(
        '/run/ctrmon/systemd/greeter.container',
        [
          '[Container]',
          `Bundle="${testBundle()}"`,
          'Runtime=runc',
          'ContainerName=greeter-box',
          'Environment=UNIT=%n',
          // \\110 is H: systemd's octal escape, in a single-quoted word.
          "Exec=/bin/sh -c 'echo \\110ello from $UNIT'",
          '[Service]',
          'Type=oneshot',
          '',
        ].join('\n'),
      );
      await nsd.client.daemonReload();
      const start = await nsd.client.start('greeter.service');
      assert.equal(start.result, 'done', start.message);
      const show = await nsd.show('greeter.service', 'Type', 'Result', 'SyslogIdentifier');
      assert.deepEqual([show.Type, show.Result, show.SyslogIdentifier], ['oneshot', 'success', 'greeter-box']);
      nsd.exec(['journalctl', '--sync']);
      const tagged = nsd.exec(['journalctl', '--no-pager', '-o', 'cat', '-t', 'greeter-box']).stdout;
      assert.match(tagged, /^Hello from greeter\.service$/m);
    });
  });
