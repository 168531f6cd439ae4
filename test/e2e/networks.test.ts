// Published ports under a real systemd in a network namespace of its own: two .container services
// that both serve 8080 inside, published on two host ports, each answering with its own name; a
// restart, a SIGKILL of a monitor and an auto-update, with the rules, veths, namespaces and leases
// counted after each: the same after every start (no duplicates), nothing once they stop.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';

import { type Footprint, networkFootprint, networkSkipReason } from '../lab/network-host';
import { updateSuite } from '../helpers/update-suite';
import { waitFor } from '../helpers/wait';
const STATE_DIR = '/run/ctrmon';
const EMPTY: Footprint = { rules: [], veths: 0, bridges: [], namespaces: [], leases: [] };

/** A server of its name (or $APP_VERSION) on 8080, ready once it listens, gone at once on SIGTERM. */
const SERVE =
  'mkdir -p /tmp/w; v=$APP_VERSION; [ -n "$v" ] || v=$0; echo "$v" >/tmp/w/index.html; httpd -f -p 8080 -h /tmp/w & pid=$!; trap \'kill $pid; exit 0\' TERM; wait';

updateSuite(
  'published ports under a real systemd',
  (suite) => {
    const footprint = () => networkFootprint((command) => suite.lab.nsd.exec(command), STATE_DIR);
    const get = (port: number) => {
      const r = suite.lab.nsd.exec(['curl', '-s', '-m', '2', `http://127.0.0.1:${port}/`]);
      return r.status === 0 ? r.stdout : `curl exit ${r.status}`;
    };

    before(() => {
      suite.lab.nsd.linkGenerator();
      assert.equal(suite.lab.nsd.exec(['ip', 'link', 'set', 'lo', 'up']).status, 0);
    });

    test('two .container services on 8080 inside, on two host ports; restart and SIGKILL leave no duplicates', async () => {
      const { lab } = suite;
      const bundle = path.join(lab.workDir, 'bundle');
      for (const [name, port] of [
        ['alpha', 18081],
        ['beta', 18082],
      ] as const) {
        lab.nsd.writeFile(
          `/run/ctrmon/systemd/${name}.container`,
          `[Container]\nBundle=${bundle}\nRuntime=runc\nPublishPort=${port}:8080\nExec=/bin/sh -c '${SERVE.replace(/'/g, "'\\''")}' ${name}\n`,
        );
      }
      await lab.nsd.client.daemonReload();
      await suite.start('alpha.service');
      await suite.start('beta.service');
      // Ready when started (no Notify=): the server may take a moment to listen.
      await waitFor(
        () => get(18081) === 'alpha\n' && get(18082) === 'beta\n',
        10_000,
        () => `${get(18081)} ${get(18082)}`,
      );
      const two = footprint();
      assert.equal(two.veths, 2);
      assert.deepEqual(two.bridges, ['podman0']);
      assert.deepEqual(two.leases, ['podman/10.88.0.2', 'podman/10.88.0.3']);

      await lab.nsd.systemctl('restart', 'alpha.service');
      await waitFor(
        () => get(18081) === 'alpha\n',
        10_000,
        () => `${get(18081)}\n${lab.nsd.journal('alpha.service')}\n${JSON.stringify(footprint())}`,
      );
      assert.deepEqual(footprint(), two, 'a restart sets up what it tore down');

      const kill = await lab.nsd.systemctl('kill', '--signal=SIGKILL', 'alpha.service');
      assert.equal(kill.code, 0, kill.stderr);
      await waitFor(
        () => lab.nsd.exec(['systemctl', 'is-active', 'alpha.service']).stdout.trim() !== 'active',
        10_000,
        () => 'alpha.service is still active',
      );
      assert.equal(footprint().namespaces.length, 2, "the killed monitor's network is left");
      await suite.start('alpha.service');
      await waitFor(
        () => get(18081) === 'alpha\n',
        10_000,
        () => get(18081),
      );
      assert.deepEqual(footprint(), two, "the next start removed the killed one's network before setting up again");

      await lab.nsd.client.stop('alpha.service');
      await lab.nsd.client.stop('beta.service');
      assert.deepEqual(footprint(), EMPTY);
    });

    test('auto-update restarts a published service on the new image; its port keeps answering', async () => {
      const { lab } = suite;
      const name = 'localhost/web:1';
      lab.load(name, 'v1');
      await lab.installUnit('web.service', name, 'local', {
        args: ['--pull', 'never', '--network', 'bridge', '--publish', '18090:8080', '--sdnotify', 'conmon', 'web', '/bin/sh', '-c', SERVE],
      });
      await suite.start('web.service');
      await waitFor(
        () => get(18090) === 'v1\n',
        10_000,
        () => get(18090),
      );
      const one = footprint();
      assert.equal(one.veths, 1);
      lab.load(name, 'v2');
      const run = await lab.autoUpdate();
      assert.equal(suite.row(run, 'web.service').Updated, 'true', run.stderr);
      await waitFor(
        () => get(18090) === 'v2\n',
        10_000,
        () => get(18090),
      );
      assert.deepEqual(footprint(), one, 'the updated unit has one network, as before');
      await lab.nsd.client.stop('web.service');
      assert.deepEqual(footprint(), EMPTY);
    });
  },
  { lab: { network: 'private' }, skip: networkSkipReason },
);
