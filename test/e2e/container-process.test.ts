// The [Container] keys about the container's process, end to end under a real systemd: .container
// files turned into units by the generator, started, and the container's own view checked from
// its output in the journal: User=/Group=/GroupAdd= (its ids and groups from /proc/self/status,
// names from the bundle rootfs' passwd and group), EnvironmentFile= (a file beside the .container
// file, read at the start), DropCapability= (its CapEff), and what runc does on this hybrid
// cgroup host with PidsLimit= and Memory= when the container's cgroup is under the unit.
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PrivateSystemd, privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { testBundle } from '../helpers/monitor-process';
import { waitFor } from '../helpers/wait';

const unavailable = privateSystemdUnavailable();
const workDir = `/tmp/ctrmon-e2e-process-${process.pid}`;
const QUADLET_DIR = '/run/ctrmon/systemd';
let nsd: PrivateSystemd;
/** The demo bundle with an unprivileged user and two groups in its rootfs. */
let bundle: string;

/** What the container printed, once it printed its last line. */
async function output(unit: string, last: RegExp): Promise<string> {
  await waitFor(() => last.test(nsd.journal(unit)), 10_000, `${unit} to print ${last}`);
  return nsd.journal(unit);
}

/** Starts a generated unit and checks it runs. */
async function start(unit: string): Promise<void> {
  const r = await nsd.client.start(unit);
  assert.equal(r.result, 'done', `${r.message}\n${nsd.journal(unit)}`);
}

const REPORT = 'grep -E "^(Uid|Gid|Groups|CapEff):" /proc/self/status; echo "seen: FROM_FILE=$FROM_FILE"; exec sleep 600';

const skipReason = `cannot boot a private systemd here: ${unavailable}`;

if (unavailable) test('container process keys under a real systemd', { skip: skipReason }, () => undefined);
else
  describe('container process keys under a real systemd', () => {
    before(async () => {
      bundle = path.join(workDir, 'bundle');
      cpSync(testBundle(), bundle, { recursive: true, verbatimSymlinks: true });
      appendFileSync(path.join(bundle, 'rootfs/etc/passwd'), 'app:x:1000:1000:app:/home/app:/bin/sh\n');
      appendFileSync(path.join(bundle, 'rootfs/etc/group'), 'app:x:1000:\nstaff:x:2000:app\nvideo:x:44:\n');
      nsd = await PrivateSystemd.boot(path.join(workDir, 'systemd'));
      nsd.linkGenerator();
    });
    after(async () => {
      await nsd?.shutdown();
      rmSync(workDir, { recursive: true, force: true });
    });

    test('User=, Group= and GroupAdd= by name; EnvironmentFile= beside the file', async () => {
      nsd.writeFile(`${QUADLET_DIR}/app.env`, '# read at every start\nFROM_FILE=hello from the file\n');
      nsd.writeFile(
        `${QUADLET_DIR}/as-app.container`,
        [
          '[Container]',
          `Bundle=${bundle}`,
          'Runtime=runc',
          'User=app',
          'Group=staff',
          'GroupAdd=video 77',
          'EnvironmentFile=app.env',
          `Exec=/bin/sh -c '${REPORT}'`,
          '',
        ].join('\n'),
      );
      await nsd.client.daemonReload();
      await start('as-app.service');
      const text = await output('as-app.service', /^seen: /m);
      assert.match(text, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
      assert.match(text, /^Gid:\s+2000\s+2000\s+2000\s+2000$/m, 'Group= is the primary group');
      assert.match(text, /^Groups:\s+44 77\s*$/m, 'GroupAdd= adds its groups (staff is the primary one)');
      assert.match(text, /^CapEff:\s+0{16}$/m, 'a user other than root has no effective capabilities');
      assert.match(text, /^seen: FROM_FILE=hello from the file$/m);
      await nsd.client.stop('as-app.service');
    });

    test("DropCapability= takes the capability out of the container's CapEff", async () => {
      nsd.writeFile(
        `${QUADLET_DIR}/dropcap.container`,
        ['[Container]', `Bundle=${bundle}`, 'Runtime=runc', 'DropCapability=KILL', `Exec=/bin/sh -c '${REPORT}'`, ''].join('\n'),
      );
      await nsd.client.daemonReload();
      await start('dropcap.service');
      const text = await output('dropcap.service', /^seen: /m);
      // The demo bundle's root has CAP_AUDIT_WRITE (29), CAP_KILL (5) and CAP_NET_BIND_SERVICE (10).
      assert.match(text, /^CapEff:\s+0000000020000400$/m);
      await nsd.client.stop('dropcap.service');
    });

    test("PidsLimit= and Memory=: set in the container's cgroup, or refused where the unit's cgroup has no such controller", async () => {
      nsd.writeFile(
        `${QUADLET_DIR}/limits.container`,
        ['[Container]', `Bundle=${bundle}`, 'Runtime=runc', 'PidsLimit=40', 'Memory=64m', 'Exec=/bin/sleep 600', ''].join('\n'),
      );
      await nsd.client.daemonReload();
      // This lab's manager runs on the host's cgroup2 tree, which has no controllers on a hybrid host.
      const unitCgroup = '/sys/fs/cgroup/system.slice/limits.service';
      const r = await nsd.client.start('limits.service');
      const offered = nsd.exec(['cat', `${unitCgroup}/cgroup.controllers`]).stdout;
      if (!/\bpids\b/.test(offered) || !/\bmemory\b/.test(offered)) {
        assert.equal(r.result, 'failed');
        assert.match(
          nsd.journal('limits.service'),
          /--pids-limit and --memory: the unit's cgroup \/system.slice\/limits.service has no (pids or memory|pids|memory) controller/,
        );
        return;
      }
      assert.equal(r.result, 'done', r.message);
      assert.equal(nsd.readFile(`${unitCgroup}/container/pids.max`).trim(), '40');
      assert.equal(nsd.readFile(`${unitCgroup}/container/memory.max`).trim(), String(64 * 1024 * 1024));
      await nsd.client.stop('limits.service');
    });
  });
