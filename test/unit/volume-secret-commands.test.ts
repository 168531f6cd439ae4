// `ctrmon volume` and `ctrmon secret` as a user runs them (the real command line), over the stores
// they share with the monitor: named volumes made on first use and kept while a container uses them,
// secrets readable by their owner only and copied for a container with the owner and mode it asks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { ownIdentity } from '../../src/process/identity';
import { provideSecrets } from '../../src/secret/provide';
import { useVolume } from '../../src/volume/store';
import { CTRMON } from '../helpers/monitor-process';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-volume-secret-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const volumes = path.join(dir, 'volumes');
const secrets = path.join(dir, 'secrets');

function ctrmon(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CTRMON, ...args], { encoding: 'utf8', input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('ctrmon volume', () => {
  test('create, ls, inspect as podman prints them; a name in use; --ignore', () => {
    assert.deepEqual(ctrmon(['volume', 'create', '--volumes-dir', volumes, '-l', 'app=web', 'data']), { code: 0, out: 'data\n', err: '' });
    assert.match(ctrmon(['volume', 'create', '--volumes-dir', volumes, 'data']).err, /volume with name data already exists/);
    assert.equal(ctrmon(['volume', 'create', '--volumes-dir', volumes, '--ignore', 'data']).code, 0);
    assert.match(ctrmon(['volume', 'create', '--volumes-dir', volumes]).out, /^[0-9a-f]{64}\n$/);
    const ls = ctrmon(['volume', 'ls', '--volumes-dir', volumes]).out.split('\n');
    assert.match(ls[0], /^DRIVER\s+VOLUME NAME$/);
    assert.ok(ls.some((l) => /^local\s+data$/.test(l)));
    const [doc] = JSON.parse(ctrmon(['volume', 'inspect', '--volumes-dir', volumes, 'data']).out);
    assert.deepEqual(
      { ...doc, CreatedAt: typeof doc.CreatedAt },
      {
        Name: 'data',
        Driver: 'local',
        Mountpoint: path.join(volumes, 'data', '_data'),
        CreatedAt: 'string',
        Labels: { app: 'web' },
        Scope: 'local',
        Options: {},
      },
    );
    assert.equal(statSync(doc.Mountpoint).isDirectory(), true);
    assert.match(ctrmon(['volume', 'inspect', '--volumes-dir', volumes, 'nosuch']).err, /no such volume nosuch/);
  });

  test('first use makes the volume; rm and prune leave one a running monitor uses, and take it once the use ends', () => {
    const end = useVolume(volumes, 'cache', 'web', ownIdentity());
    writeFileSync(path.join(volumes, 'cache', '_data', 'kept'), 'x');
    // A monitor that was killed: its file names a process that is gone, and keeps nothing.
    writeFileSync(path.join(volumes, 'cache', 'users', 'gone.json'), JSON.stringify({ pid: ownIdentity().pid, startTime: 1 }));
    const refused = ctrmon(['volume', 'rm', '--volumes-dir', volumes, 'cache']);
    assert.equal(refused.code, 125);
    assert.match(refused.err, /volume cache is being used by container web/);
    assert.ok(!ctrmon(['volume', 'prune', '--volumes-dir', volumes]).out.split('\n').includes('cache'), 'prune keeps it');
    assert.equal(readFileSync(path.join(volumes, 'cache', '_data', 'kept'), 'utf8'), 'x');
    end();
    assert.deepEqual(ctrmon(['volume', 'rm', '--volumes-dir', volumes, 'cache']), { code: 0, out: 'cache\n', err: '' });
    assert.equal(existsSync(path.join(volumes, 'cache')), false);
    ctrmon(['volume', 'prune', '--volumes-dir', volumes]);
    assert.equal(ctrmon(['volume', 'ls', '-q', '--volumes-dir', volumes]).out, '');
  });
});

describe('ctrmon secret', () => {
  test('create from stdin or a file, owner-only on disk; ls and inspect never show the data; rm by name or ID', () => {
    const created = ctrmon(['secret', 'create', '--secrets-dir', secrets, 'db', '-'], 'hunter2');
    assert.equal(created.code, 0, created.err);
    const id = created.out.trim();
    assert.match(id, /^[0-9a-f]{25}$/);
    writeFileSync(path.join(dir, 'tls.pem'), 'KEY');
    assert.equal(ctrmon(['secret', 'create', '--secrets-dir', secrets, 'tls', path.join(dir, 'tls.pem')]).code, 0);
    assert.match(ctrmon(['secret', 'create', '--secrets-dir', secrets, 'db', '-'], 'x').err, /secret name in use: db/);
    for (const [p, mode] of [
      [secrets, 0o700],
      [path.join(secrets, 'db'), 0o700],
      [path.join(secrets, 'db', 'data'), 0o600],
    ] as const)
      assert.equal(statSync(p).mode & 0o777, mode, p);
    const ls = ctrmon(['secret', 'ls', '--secrets-dir', secrets]).out;
    assert.match(ls, /^ID\s+NAME\s+DRIVER\s+CREATED\s+UPDATED\n/);
    assert.match(ls, new RegExp(`${id}\\s+db\\s+file\\s`));
    const inspected = ctrmon(['secret', 'inspect', '--secrets-dir', secrets, 'db']).out;
    assert.equal(JSON.parse(inspected)[0].Spec.Name, 'db');
    assert.doesNotMatch(ls + inspected, /hunter2/);
    assert.deepEqual(ctrmon(['secret', 'rm', '--secrets-dir', secrets, id.slice(0, 8)]), { code: 0, out: `${id}\n`, err: '' });
    assert.match(ctrmon(['secret', 'inspect', '--secrets-dir', secrets, 'db']).err, /no such secret db/);
  });

  test("a container's copy: owned and moded as asked, in a 0700 directory; an env secret is its value", {
    skip: process.getuid?.() === 0 ? false : 'chown needs root',
  }, () => {
    const copies = path.join(dir, 'state', 'web', 'secrets');
    const provided = provideSecrets(
      [
        { name: 'tls', type: 'mount', target: '/run/secrets/tls', uid: 10, gid: 20, mode: 0o400 },
        { name: 'tls', type: 'env', target: 'TLS' },
      ],
      secrets,
      copies,
    );
    assert.deepEqual(provided, [
      { type: 'mount', source: path.join(copies, '0-tls'), target: '/run/secrets/tls' },
      { type: 'env', target: 'TLS', value: 'KEY' },
    ]);
    const st = statSync(path.join(copies, '0-tls'));
    assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [0o400, 10, 20]);
    assert.equal(statSync(copies).mode & 0o777, 0o700);
    assert.throws(() => provideSecrets([{ name: 'nosuch', type: 'env', target: 'X' }], secrets, copies), /no such secret nosuch/);
  });
});
