// The options of the container's filesystem, devices and secrets: --volume (host paths, named
// volumes, specifiers, z/Z), --mount, --tmpfs and VolatileTmp, --read-only, --device and AddDevice,
// --mask/--unmask, --secret; each parsed, refused where podman's syntax is wrong, and written back
// into a unit's ExecStart so that parsing it again gives the same options; and their .container keys.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { type RawMonitorOptions, buildMonitorOptions, monitorArgs } from '../../src/config/monitor-options';
import { checkRelabel } from '../../src/config/selinux';
import { describeHost } from '../../src/host/host';
import { containerToUnit } from '../../src/systemd/quadlet';

const HOST = describeHost({}, 0);
const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-mount-options-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const build = (raw: RawMonitorOptions) => buildMonitorOptions('web', [], { bundle: '/b', ...raw }, HOST);

/** The options survive their own ExecStart: monitorArgs, parsed again, gives the same. */
function roundTrip(raw: RawMonitorOptions) {
  const first = build(raw);
  const args = monitorArgs(first, HOST).slice(1, -1);
  const again: Record<string, string[]> = {};
  for (let i = 0; i < args.length; i += 2) {
    const attr = args[i].replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    again[attr] = [...(again[attr] ?? []), args[i + 1]];
  }
  assert.deepEqual(buildMonitorOptions('web', [], again, HOST), first, args.join(' '));
  return { options: first, args: args.slice(2) }; // after --bundle /b
}

const unit = (text: string, file = path.join(dir, 'web.container')) =>
  containerToUnit(file, `[Container]\nBundle=/b\n${text}`, 'h', HOST, ['/usr/bin/ctrmon']);
const execStart = (text: string) => /^ExecStart=(.*)$/m.exec(unit(text).text)![1];

describe('--volume and --mount', () => {
  test('a host path, a named volume under --volumes-dir, and a specifier left for systemd', () => {
    const { options, args } = roundTrip({ volume: ['/srv/a:/a:ro', 'data:/data', '%h/cfg:/cfg:rw,z'], volumesDir: '/vols' });
    assert.deepEqual(options.volumes, [
      { source: '/srv/a', destination: '/a', readonly: true },
      { source: '/vols/data/_data', destination: '/data', readonly: false, volume: 'data' },
      { source: '%h/cfg', destination: '/cfg', readonly: false },
    ]);
    assert.equal(options.volumesDir, '/vols');
    assert.deepEqual(args, [
      '--volume',
      '/srv/a:/a:ro',
      '--volume',
      'data:/data',
      '--volume',
      '%h/cfg:/cfg',
      '--volumes-dir',
      '/vols',
      '--sdnotify',
      'conmon',
    ]);
    assert.equal(build({ volume: ['/srv:/srv'] }).volumesDir, undefined, 'no named volume: no volumes directory in the unit');
    assert.equal(build({ volume: ['data:/data'] }).volumes[0].source, '/var/lib/ctrmon/volumes/data/_data');
  });

  test("podman's syntax errors, and options ctrmon does not have", () => {
    for (const [value, why] of [
      ['/srv', /expected \/host\/path:\/container\/path or name:\/container\/path/],
      ['/srv:data', /the container path must be absolute/],
      ['-bad:/x', /absolute host path or a volume name/],
      ['/srv:/x:U', /the option U is not one ctrmon supports \(ro, rw, z and Z\)/],
    ] as const)
      assert.throws(() => build({ volume: [value] }), { code: 'ERR_INVALID_OPTION', message: why }, value);
  });

  test('z and Z: accepted where SELinux does not enforce, refused with what to do where it does', () => {
    const enforce = path.join(dir, 'enforce');
    writeFileSync(enforce, '0\n');
    checkRelabel('--volume', '/a:/a:z', enforce);
    checkRelabel('--volume', '/a:/a:z', path.join(dir, 'no-selinuxfs'));
    writeFileSync(enforce, '1\n');
    assert.throws(() => checkRelabel('--volume', '/a:/a:z', enforce), /SELinux enforces here: label the source .*chcon/);
  });

  test('--mount: bind and volume are volumes, tmpfs a tmpfs; other types and options are refused', () => {
    const { options } = roundTrip({
      mount: [
        'type=bind,source=/srv,target=/srv,ro',
        'type=volume,src=cache,dst=/cache',
        'type=tmpfs,destination=/scratch,tmpfs-size=64m,tmpfs-mode=1777',
      ],
    });
    assert.deepEqual(options.volumes, [
      { source: '/srv', destination: '/srv', readonly: true },
      { source: '/var/lib/ctrmon/volumes/cache/_data', destination: '/cache', readonly: false, volume: 'cache' },
    ]);
    assert.deepEqual(options.tmpfs, [
      { destination: '/scratch', options: ['rw', 'noexec', 'nosuid', 'nodev', 'size=64m', 'mode=1777', 'rprivate', 'tmpcopyup'] },
    ]);
    for (const [value, why] of [
      ['type=image,source=x,target=/x', /type is bind, volume or tmpfs/],
      ['type=bind,source=/a,target=/a,bind-propagation=shared', /bind-propagation is not an option ctrmon supports/],
      ['type=volume,target=/a', /needs source= \(ctrmon makes no anonymous volumes\)/],
      ['type=bind,source=name,target=/a', /a bind mount needs an absolute source path/],
      ['type=tmpfs,target=/a,tmpfs-size=1g,source=/x', /source is not an option of a tmpfs mount/],
    ] as const)
      assert.throws(() => build({ mount: [value] }), { code: 'ERR_INVALID_OPTION', message: why }, value);
  });
});

describe('--tmpfs and --read-only', () => {
  test("podman's tmpfs defaults, each replaced by its opposite, and options passed to the kernel", () => {
    const { options, args } = roundTrip({ tmpfs: ['/tmp', '/run:exec,size=10m,notmpcopyup'] });
    assert.deepEqual(options.tmpfs, [
      { destination: '/tmp', options: ['rw', 'noexec', 'nosuid', 'nodev', 'rprivate', 'tmpcopyup'] },
      { destination: '/run', options: ['rw', 'exec', 'nosuid', 'nodev', 'size=10m', 'rprivate'] },
    ]);
    assert.deepEqual(args.slice(0, 4), ['--tmpfs', '/tmp', '--tmpfs', '/run:exec,size=10m,notmpcopyup']);
    assert.throws(() => build({ tmpfs: ['/x:size=big'] }), /size=big is not a tmpfs option/);
    assert.throws(() => build({ tmpfs: ['x'] }), /the container path must be absolute/);
  });

  test('--read-only: not given, the config decides; booleans in systemd spellings; --read-only-tmpfs defaults to true', () => {
    assert.equal(build({}).readOnly, undefined);
    assert.equal(roundTrip({ readOnly: 'yes' }).options.readOnly, true);
    assert.equal(roundTrip({ readOnly: 'false' }).options.readOnly, false);
    assert.equal(build({}).readOnlyTmpfs, true);
    assert.deepEqual(roundTrip({ readOnly: 'on', readOnlyTmpfs: '0' }).args.slice(0, 4), [
      '--read-only',
      'true',
      '--read-only-tmpfs',
      'false',
    ]);
    assert.throws(() => build({ readOnly: 'maybe' }), /--read-only "maybe": expected a boolean/);
  });
});

describe('--device, --mask, --unmask and --secret', () => {
  test('a device at its own path or another, with permissions (rwm by default)', () => {
    const { options, args } = roundTrip({ device: ['/dev/null', '/dev/zero:/dev/nothing:r', '/dev/full:rw'] });
    assert.deepEqual(options.devices, [
      { path: '/dev/null', containerPath: '/dev/null', permissions: 'rwm' },
      { path: '/dev/zero', containerPath: '/dev/nothing', permissions: 'r' },
      { path: '/dev/full', containerPath: '/dev/full', permissions: 'rw' },
    ]);
    assert.deepEqual(args.slice(0, 6), ['--device', '/dev/null', '--device', '/dev/zero:/dev/nothing:r', '--device', '/dev/full:rw']);
    assert.throws(() => build({ device: ['dev/null'] }), /expected \/dev\/host\[:\/dev\/container\]\[:permissions\]/);
    assert.throws(() => build({ device: ['/dev/null:/a:rwx'] }), /expected \/dev\/host/);
  });

  test('mask and unmask: absolute paths separated by colons; unmask also ALL', () => {
    const { options } = roundTrip({ mask: '/proc/a:/proc/b', unmask: '/proc/*' });
    assert.deepEqual(options.mask, ['/proc/a', '/proc/b']);
    assert.deepEqual(options.unmask, ['/proc/*']);
    assert.deepEqual(build({ unmask: 'ALL' }).unmask, ['ALL']);
    assert.throws(() => build({ mask: 'ALL' }), /--mask "ALL": expected absolute paths separated by colons$/);
  });

  test('secrets: a file at /run/secrets/<name> or a target, its owner and mode; or an env variable', () => {
    const { options } = roundTrip({ secret: ['db', 'tls,target=certs/key.pem,uid=10,gid=20,mode=0400', 'api,type=env,target=API_KEY'] });
    assert.deepEqual(options.secrets, [
      { name: 'db', type: 'mount', target: '/run/secrets/db', uid: 0, gid: 0, mode: 0o444 },
      { name: 'tls', type: 'mount', target: '/run/secrets/certs/key.pem', uid: 10, gid: 20, mode: 0o400 },
      { name: 'api', type: 'env', target: 'API_KEY' },
    ]);
    assert.equal(options.secretsDir, '/var/lib/ctrmon/secrets');
    assert.equal(build({}).secretsDir, undefined);
    for (const [value, why] of [
      ['db,type=file', /type is mount or env/],
      ['db,type=env,mode=0400', /uid, gid and mode are for type=mount/],
      ['db,mode=999', /mode=999 is not a mode in octal/],
      ['db,owner=1', /owner=1 is not one of type=, target=/],
      ['db,type=env,target=1X', /1X cannot name an environment variable/],
    ] as const)
      assert.throws(() => build({ secret: [value] }), { code: 'ERR_INVALID_OPTION', message: why }, value);
  });
});

describe('the .container keys', () => {
  test('Volume= and Mount=: a source beginning with . is relative to the file; %h and names pass as written', () => {
    const generated = unit('Volume=./data:/data:ro\nVolume=%h/conf:/conf\nVolume=cache:/cache\nMount=type=bind,source=./www,target=/www\n');
    // How ExecStart quotes a % is the unit writer's (systemd/unit-file.ts); the option keeps it unexpanded.
    assert.deepEqual(
      generated.options.volumes.map((v) => `${v.volume ?? v.source}:${v.destination}`),
      [`${dir}/data:/data`, '%h/conf:/conf', 'cache:/cache', `${dir}/www:/www`],
    );
    // %h reaches ExecStart as a specifier for systemd, not as the literal %%h.
    assert.match(generated.text, / --volume %h\/conf:\/conf /);
    assert.throws(
      () => unit('Volume=data.volume:/data\n'),
      /web.container:3: Volume=: data.volume: there is no data.volume in the Quadlet search directories/,
    );
  });

  test('Tmpfs=, VolatileTmp=, ReadOnly=, ReadOnlyTmpfs=, Mask=, Unmask= and Secret= set their options', () => {
    const line = execStart(
      'Tmpfs=/cache:size=1m\nVolatileTmp=yes\nReadOnly=true\nReadOnlyTmpfs=no\nMask=/proc/x\nUnmask=ALL\nSecret=db,mode=0400\n',
    );
    assert.match(
      line,
      / --tmpfs \/cache:size=1m --tmpfs \/tmp:size=512M,mode=1777 --read-only true --read-only-tmpfs false --mask \/proc\/x --unmask ALL --secret db,type=mount,target=\/run\/secrets\/db,uid=0,gid=0,mode=0400 /,
    );
    assert.doesNotMatch(execStart('VolatileTmp=false\n'), /--tmpfs/);
    assert.throws(() => unit('ReadOnly=perhaps\n'), /web.container:3: ReadOnly=perhaps: expected a boolean/);
  });

  test('AddDevice=: with a leading -, only a device that exists when the unit is generated', () => {
    mkdirSync(path.join(dir, 'etc'), { recursive: true });
    const line = execStart('AddDevice=/dev/null:/dev/other:rw\nAddDevice=-/dev/zero\nAddDevice=-/dev/no-such-device\n');
    assert.match(line, / --device \/dev\/null:\/dev\/other:rw --device \/dev\/zero --sdnotify/);
  });
});
