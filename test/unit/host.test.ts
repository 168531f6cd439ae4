// The host, described once (src/host/host.ts): root's paths are the system's, a user's follow the XDG
// directories as podman's do; the flags that name those paths default to the host's, in every
// command that has them; units and their ExecStart lines, the generator's search directories, the
// unit directory of `generate auto-update --install` and the systemd client follow the host.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { Command } from 'commander';

import { registerAutoUpdate } from '../../src/cli/auto-update';
import { registerEvents } from '../../src/cli/events';
import { registerGenerate } from '../../src/cli/generate';
import { imageInspectCommand } from '../../src/cli/image-inspect';
import { imagePruneCommand } from '../../src/cli/image-prune';
import { imagesCommand } from '../../src/cli/images';
import { loadCommand } from '../../src/cli/load';
import { registerMonitor } from '../../src/cli/monitor';
import { registerPs } from '../../src/cli/ps';
import { registerPull } from '../../src/cli/pull';
import { rmiCommand } from '../../src/cli/rmi';
import { registerRollback } from '../../src/cli/rollback';
import { registerSecret } from '../../src/cli/secret';
import { saveCommand } from '../../src/cli/save';
import { tagCommand } from '../../src/cli/tag';
import { registerVolume } from '../../src/cli/volume';
import { registerNetwork } from '../../src/cli/network';
import { buildMonitorOptions, monitorArgs } from '../../src/config/monitor-options';
import { HOST_PATH_FLAGS } from '../../src/host/flags';
import { type Host, describeHost } from '../../src/host/host';
import { generateUnits } from '../../src/systemd/generator';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-host-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SYSTEM = describeHost({}, 0);
const USER_ENV = { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000', XDG_DATA_HOME: '/data/u', XDG_CONFIG_HOME: '/config/u' };
const USER = describeHost(USER_ENV, 1000);
/** The search directories' paths, in order. */
const searchPaths = (host: Host) => host.paths.searchDirs.map((d) => d.path);
/** A user's directories after the XDG ones: the administrator's for this user, then for all users. */
const ADMIN_USER_DIRS = (uid: number) => [`/etc/containers/systemd/users/${uid}`, '/etc/containers/systemd/users'];

describe('describeHost', () => {
  test("root: the system manager and today's paths, whatever the environment says", () => {
    const today = [
      'stateDir /run/ctrmon',
      'storeRoot /var/lib/ctrmon',
      'volumesDir /var/lib/ctrmon/volumes',
      'secretsDir /var/lib/ctrmon/secrets',
      'networksDir /etc/ctrmon/networks',
      'updateDir /var/lib/ctrmon/auto-update',
      'hooksDir /etc/ctrmon/auto-update',
      'unitDir /etc/systemd/system',
    ];
    for (const host of [SYSTEM, describeHost(USER_ENV, 0)]) {
      assert.equal(host.rootless, false);
      assert.equal(host.manager, 'system');
      const { searchDirs, podmanGenerators, ...rest } = host.paths;
      assert.deepEqual(
        Object.entries(rest).map(([name, value]) => `${name} ${value}`),
        today,
        "a root shell's XDG variables change nothing",
      );
      assert.deepEqual(
        searchDirs.map((d) => `${d.path}${d.podman ? ' (podman)' : ''}`),
        [
          '/run/ctrmon/systemd',
          '/run/containers/systemd (podman)',
          '/etc/ctrmon/systemd',
          '/etc/containers/systemd (podman)',
          '/usr/share/ctrmon/systemd',
          '/usr/share/containers/systemd (podman)',
        ],
        "ctrmon's directories and podman's, tier by tier",
      );
      assert.deepEqual(podmanGenerators, ['/usr/lib/systemd/system-generators/podman-system-generator', '/usr/libexec/podman/quadlet']);
    }
  });

  test('a user: state in XDG_RUNTIME_DIR, store and records in XDG_DATA_HOME, hooks and units in XDG_CONFIG_HOME', () => {
    const { searchDirs, ...paths } = USER.paths;
    assert.deepEqual(
      { ...USER, paths },
      {
        rootless: true,
        manager: 'user',
        paths: {
          stateDir: '/run/user/1000/ctrmon',
          storeRoot: '/data/u/ctrmon',
          volumesDir: '/data/u/ctrmon/volumes',
          secretsDir: '/data/u/ctrmon/secrets',
          networksDir: '/config/u/ctrmon/networks',
          updateDir: '/data/u/ctrmon/auto-update',
          hooksDir: '/config/u/ctrmon/auto-update',
          unitDir: '/config/u/systemd/user',
          podmanGenerators: ['/usr/lib/systemd/user-generators/podman-user-generator', '/usr/libexec/podman/quadlet'],
        },
      },
    );
    assert.deepEqual(
      searchDirs.map((d) => d.path),
      [
        '/run/user/1000/ctrmon/systemd',
        '/run/user/1000/containers/systemd',
        '/config/u/ctrmon/systemd',
        '/config/u/containers/systemd',
        ...ADMIN_USER_DIRS(1000),
      ],
    );
  });

  test('a user without XDG_DATA_HOME and XDG_CONFIG_HOME: under HOME, as podman has them', () => {
    const host = describeHost({ HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000', XDG_CONFIG_HOME: '' }, 1000);
    assert.equal(host.paths.storeRoot, '/home/u/.local/share/ctrmon');
    assert.equal(host.paths.updateDir, '/home/u/.local/share/ctrmon/auto-update');
    assert.equal(host.paths.hooksDir, '/home/u/.config/ctrmon/auto-update');
    assert.deepEqual(searchPaths(host), [
      '/run/user/1000/ctrmon/systemd',
      '/run/user/1000/containers/systemd',
      '/home/u/.config/ctrmon/systemd',
      '/home/u/.config/containers/systemd',
      ...ADMIN_USER_DIRS(1000),
    ]);
    assert.equal(host.paths.unitDir, '/home/u/.config/systemd/user');
  });

  test("a user without XDG_RUNTIME_DIR: state in /run/user/<uid>; the generator reads only the user's config", () => {
    const host = describeHost({ HOME: '/home/u' }, 1234);
    assert.equal(host.paths.stateDir, '/run/user/1234/ctrmon');
    assert.deepEqual(searchPaths(host), ['/home/u/.config/ctrmon/systemd', '/home/u/.config/containers/systemd', ...ADMIN_USER_DIRS(1234)]);
  });

  test("root's user manager (a user generator, SYSTEMD_SCOPE=user): the user's units, root's paths", () => {
    const host = describeHost({ SYSTEMD_SCOPE: 'user', HOME: '/root' }, 0);
    assert.equal(host.manager, 'user');
    assert.equal(host.rootless, false);
    assert.deepEqual(searchPaths(host), ['/root/.config/ctrmon/systemd', '/root/.config/containers/systemd', ...ADMIN_USER_DIRS(0)]);
    assert.equal(host.paths.unitDir, '/root/.config/systemd/user');
    assert.equal(host.paths.stateDir, SYSTEM.paths.stateDir);
    assert.equal(host.paths.storeRoot, SYSTEM.paths.storeRoot);
    assert.equal(describeHost({ SYSTEMD_SCOPE: 'system' }, 0).manager, 'system');
  });
});

/** Every command that has a path flag, registered for host, with the path flags it has. */
function commands(host: Host): Command[] {
  const program = new Command().enablePositionalOptions();
  for (const register of [
    registerMonitor,
    registerPs,
    registerEvents,
    registerPull,
    registerGenerate,
    registerAutoUpdate,
    registerRollback,
    registerVolume,
    registerSecret,
    registerNetwork,
  ])
    register(program, host);
  for (const command of [
    imagesCommand('images', host),
    tagCommand(host),
    rmiCommand('rmi', host),
    loadCommand(host),
    saveCommand(host),
    imageInspectCommand(host),
    imagePruneCommand(host),
  ])
    program.addCommand(command);
  const all: Command[] = [];
  const walk = (c: Command) => {
    all.push(c);
    for (const sub of c.commands) walk(sub);
  };
  walk(program);
  return all;
}

describe('the path flags', () => {
  test("every command's --root, --state-dir, --update-dir and --hooks-dir default to the host's path, and say so in --help", () => {
    for (const host of [SYSTEM, USER]) {
      let seen = 0;
      for (const command of commands(host)) {
        for (const spec of Object.values(HOST_PATH_FLAGS)) {
          const option = command.options.find((o) => o.long === spec.flag);
          if (!option) continue;
          seen++;
          const where = `${command.name()} ${spec.flag}`;
          assert.equal(option.defaultValue, host.paths[spec.hostPath], where);
          assert.equal(option.description, spec.help, where);
          // commander wraps long lines at spaces.
          assert.ok(command.helpInformation().replace(/\s+/g, ' ').includes(`(default: "${host.paths[spec.hostPath]}")`), where);
        }
      }
      // --root: monitor, generate systemd, pull and the 7 image commands; --state-dir: monitor, generate
      // systemd, ps, events, auto-update, rollback; --update-dir and --hooks-dir: auto-update, rollback;
      // --volumes-dir: monitor, generate systemd and the 5 volume commands; --secrets-dir: monitor,
      // generate systemd and the 4 secret commands; --networks-dir: monitor, generate systemd and the
      // network commands create, ls, inspect and rm; --state-dir also: network rm and prune.
      assert.equal(seen, 10 + 6 + 4 + 7 + 6 + 6 + 2);
    }
  });

  test("monitorArgs leaves out the host's default paths and writes any other", () => {
    const onUser = buildMonitorOptions('web', [], { image: 'localhost/app:1' }, USER);
    assert.equal(onUser.stateDir, USER.paths.stateDir);
    assert.equal(onUser.storeRoot, USER.paths.storeRoot);
    assert.deepEqual(monitorArgs(onUser, USER), ['monitor', '--image', 'localhost/app:1', '--sdnotify', 'conmon', 'web']);
    assert.deepEqual(monitorArgs(onUser, SYSTEM), [
      'monitor',
      '--image',
      'localhost/app:1',
      '--root',
      USER.paths.storeRoot,
      '--sdnotify',
      'conmon',
      '--state-dir',
      USER.paths.stateDir,
      'web',
    ]);
    const systemPaths = buildMonitorOptions(
      'web',
      [],
      { image: 'localhost/app:1', root: '/var/lib/ctrmon', stateDir: '/run/ctrmon' },
      USER,
    );
    assert.deepEqual(monitorArgs(systemPaths, SYSTEM), ['monitor', '--image', 'localhost/app:1', '--sdnotify', 'conmon', 'web']);
    const bundle = buildMonitorOptions('web', [], { bundle: '/b' }, USER);
    assert.equal(bundle.storeRoot, undefined, 'a bundle has no store');
    assert.deepEqual(monitorArgs(bundle, SYSTEM), [
      'monitor',
      '--bundle',
      '/b',
      '--sdnotify',
      'conmon',
      '--state-dir',
      USER.paths.stateDir,
      'web',
    ]);
    assert.deepEqual(monitorArgs(systemPaths, USER).slice(3), [
      '--root',
      '/var/lib/ctrmon',
      '--sdnotify',
      'conmon',
      '--state-dir',
      '/run/ctrmon',
      'web',
    ]);
  });
});

describe('units for the host', () => {
  test("the generator reads a user host's search directories and leaves the user's paths out of ExecStart", () => {
    const home = path.join(dir, 'home');
    const quadlets = path.join(home, '.config', 'ctrmon', 'systemd');
    mkdirSync(quadlets, { recursive: true });
    writeFileSync(path.join(quadlets, 'mine.container'), '[Container]\nImage=localhost/app:1\n');
    const user = describeHost({ HOME: home }, 1000);
    const out = path.join(dir, 'out');
    const result = generateUnits(user, out, 'h', ['/usr/bin/ctrmon']);
    assert.deepEqual(result, { written: ['mine.service'], errors: [], leftToPodman: [] });
    const execStart = readFileSync(path.join(out, 'mine.service'), 'utf8').match(/^ExecStart=(.*)$/m)![1];
    assert.equal(execStart, '/usr/bin/ctrmon monitor --image localhost/app:1 --sdnotify conmon mine');
    assert.ok(!SYSTEM.paths.searchDirs.some((d) => d.path === quadlets));
  });

  test('generate auto-update --install writes into the host unit directory and tells its manager; the engine talks to it too', () => {
    const bin = path.join(dir, 'bin');
    const calls = path.join(dir, 'systemctl-calls');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'systemctl'), `#!/bin/sh\necho "$@" >> ${calls}\n`);
    chmodSync(path.join(bin, 'systemctl'), 0o755);
    const config = path.join(dir, 'config');
    const src = (...p: string[]) => JSON.stringify(path.join(__dirname, '..', '..', 'src', ...p));
    // In a process of its own: the command prints the files it wrote, and PATH finds the stub systemctl.
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `
      const { Command } = require('commander');
      const { registerGenerate } = require(${src('cli', 'generate.js')});
      const { engineOptions } = require(${src('cli', 'update-options.js')});
      const { describeHost } = require(${src('host', 'host.js')});
      const user = describeHost({ HOME: '/nonexistent', XDG_CONFIG_HOME: ${JSON.stringify(config)} }, 1000);
      const program = new Command().enablePositionalOptions().exitOverride();
      registerGenerate(program, user);
      const raw = { stateDir: '/s', updateDir: '/u', hooksDir: '/h', timeout: '2m', soak: '10s', keep: '3' };
      program
        .parseAsync(['generate', 'auto-update', '--install'], { from: 'user' })
        .then(() => engineOptions(raw, user, () => {}).client.daemonReload());
    `,
      ],
      { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } },
    );
    assert.equal(r.status, 0, r.stderr);
    const timer = path.join(config, 'systemd', 'user', 'ctrmon-auto-update.timer');
    assert.ok(r.stdout.split('\n').includes(timer), r.stdout);
    assert.ok(existsSync(timer));
    assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), [
      '--user --no-pager daemon-reload',
      '--user --no-pager enable --now ctrmon-auto-update.timer',
      '--user --no-pager daemon-reload',
    ]);
  });
});
