// Where the generator finds .container files: ctrmon's directories and podman's, tier by tier, with
// their subdirectories; QUADLET_UNIT_DIRS instead; the files left to podman's generator where it is
// installed; and which manager runs the generator, from how systemd ran it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { type Host, type SearchDir, describeHost } from '../../src/host/host';
import { generateUnits } from '../../src/systemd/generator';
import { generatorManager } from '../../src/systemd/generator-main';
import { CTRMON } from '../helpers/monitor-process';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-generator-search-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const COMMAND = ['/usr/bin/ctrmon'];
let n = 0;

/** A fresh tree under dir: files (relative path -> text) and symlinks (relative path -> target). */
function tree(files: Record<string, string>, links: Record<string, string> = {}): string {
  const root = path.join(dir, `t${n++}`);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  for (const [rel, target] of Object.entries(links)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    symlinkSync(target, path.join(root, rel));
  }
  return root;
}

const container = (bundle: string) => `[Container]\nBundle=${bundle}\n`;

/** The system host with these search directories and podman generator paths. */
function hostWith(searchDirs: SearchDir[], podmanGenerators: string[] = []): Host {
  const host = describeHost({}, 0);
  return { ...host, paths: { ...host.paths, searchDirs, podmanGenerators } };
}

function generate(host: Host) {
  const out = path.join(dir, `out${n++}`);
  const result = generateUnits(host, out, 'h', COMMAND);
  const bundleOf = (unit: string) => /--bundle (\S+)/.exec(readFileSync(path.join(out, unit), 'utf8'))?.[1];
  return { ...result, out, bundleOf };
}

describe('search directories', () => {
  test("ctrmon's and podman's, tier by tier: the first of a name wins, whichever directory it is in", () => {
    const root = tree({
      'run/ctrmon/a.container': container('/run-ctrmon'),
      'run/containers/a.container': container('/run-podman'),
      'run/containers/b.container': container('/run-podman'),
      'etc/ctrmon/b.container': container('/etc-ctrmon'),
      'etc/ctrmon/c.container': container('/etc-ctrmon'),
      'usr/containers/c.container': container('/usr-podman'),
      'usr/containers/d.container': container('/usr-podman'),
    });
    const at = (rel: string, podman: boolean) => ({ path: path.join(root, rel), podman });
    const g = generate(
      hostWith([at('run/ctrmon', false), at('run/containers', true), at('etc/ctrmon', false), at('usr/containers', true)]),
    );
    assert.deepEqual(g.errors, []);
    assert.deepEqual(g.written, ['a.service', 'b.service', 'c.service', 'd.service']);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((x) => g.bundleOf(`${x}.service`)),
      ['/run-ctrmon', '/run-podman', '/etc-ctrmon', '/usr-podman'],
    );
  });

  test('subdirectories are read, depth first by name, after their parent; symbolic links are followed; excluded subtrees are not', () => {
    const root = tree(
      {
        'quadlets/top.container': container('/top'),
        'quadlets/b/deep/x.container': container('/b-deep'),
        'quadlets/a/x.container': container('/a'),
        'quadlets/a/top.container': container('/a-top'),
        'quadlets/users/u.container': container('/users'),
        'elsewhere/linked.container': container('/linked'),
      },
      { 'quadlets/c': '../elsewhere' },
    );
    const g = generate(hostWith([{ path: path.join(root, 'quadlets'), podman: true, exclude: /^users$/ }]));
    assert.deepEqual(g.errors, []);
    assert.deepEqual(g.written, ['linked.service', 'top.service', 'x.service']);
    assert.equal(g.bundleOf('top.service'), '/top', 'the parent before its subdirectories');
    assert.equal(g.bundleOf('x.service'), '/a', 'a before b/deep');
    assert.equal(g.bundleOf('linked.service'), '/linked');
  });

  test("a user reads /etc/containers/systemd/users/<uid> and users/, but not another user's users/<uid>", () => {
    const host = describeHost({ HOME: '/home/u' }, 1000);
    const users = host.paths.searchDirs.find((d) => d.path === '/etc/containers/systemd/users')!;
    assert.ok(users.exclude!.test('1001') && !users.exclude!.test('shared'));
    const system = describeHost({}, 0).paths.searchDirs.find((d) => d.path === '/etc/containers/systemd')!;
    assert.ok(system.exclude!.test('users'), "the system manager leaves users' files alone");
  });

  test('QUADLET_UNIT_DIRS replaces the search path (absolute paths, colon-separated), as for podman', () => {
    const host = describeHost({ QUADLET_UNIT_DIRS: '/q/one:relative:/q/two' }, 0);
    assert.deepEqual(host.paths.searchDirs, [
      { path: '/q/one', podman: true },
      { path: '/q/two', podman: true },
    ]);
    const user = describeHost({ QUADLET_UNIT_DIRS: '/q/one', HOME: '/home/u' }, 1000);
    assert.deepEqual(
      user.paths.searchDirs.map((d) => d.path),
      ['/q/one'],
    );
    const root = tree({ 'q/sub/web.container': container('/q') });
    const r = spawnSync(path.join(path.dirname(CTRMON), 'ctrmon-systemd-generator'), [path.join(root, 'out')], {
      encoding: 'utf8',
      env: { ...process.env, QUADLET_UNIT_DIRS: path.join(root, 'q'), SYSTEMD_SCOPE: 'system' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(path.join(root, 'out')), ['web.service']);
  });
});

describe("beside podman's generator", () => {
  const files = () =>
    tree({
      'podman-generator': '#!/bin/sh\n',
      'ctrmon/mine.container': container('/mine'),
      'ctrmon/both.container': container('/ctrmon-both'),
      'containers/both.container': container('/podman-both'),
      'containers/theirs.container': container('/theirs'),
      'containers/container.d/10-env.conf': '[Container]\nEnvironment=FROM=podman-dir\n',
    });
  const dirsOf = (root: string): SearchDir[] => [
    { path: path.join(root, 'ctrmon'), podman: false },
    { path: path.join(root, 'containers'), podman: true },
  ];

  test("installed: podman's directories are its (reported), ctrmon's are ctrmon's, one name made by both is an error", () => {
    const root = files();
    const g = generate(hostWith(dirsOf(root), ['/nonexistent/podman', path.join(root, 'podman-generator')]));
    assert.deepEqual(g.written, ['mine.service']);
    assert.deepEqual(g.leftToPodman, [path.join(root, 'containers', 'theirs.container')]);
    assert.deepEqual(g.errors, [
      `${path.join(root, 'ctrmon', 'both.container')}: podman's generator (${path.join(root, 'podman-generator')}) makes the same unit ` +
        `from ${path.join(root, 'containers', 'both.container')}: rename one of them`,
    ]);
    assert.doesNotMatch(readFileSync(path.join(g.out, 'mine.service'), 'utf8'), /FROM=podman-dir/, "podman's drop-ins are podman's too");
  });

  test("absent: podman's directories are ctrmon's, drop-ins included", () => {
    const root = files();
    const g = generate(hostWith(dirsOf(root), ['/nonexistent/podman']));
    assert.deepEqual(g.errors, []);
    assert.deepEqual(g.leftToPodman, []);
    assert.deepEqual(g.written, ['both.service', 'mine.service', 'theirs.service']);
    assert.equal(g.bundleOf('both.service'), '/ctrmon-both');
    assert.match(readFileSync(path.join(g.out, 'mine.service'), 'utf8'), /--env FROM=podman-dir/);
  });

  test('the executable says on stderr which files it left to podman', () => {
    const root = files();
    const generator = path.join(path.dirname(CTRMON), 'ctrmon-systemd-generator');
    // QUADLET_UNIT_DIRS makes every directory podman's; the real podman generator is absent here.
    const r = spawnSync(generator, [path.join(root, 'out')], {
      encoding: 'utf8',
      env: { ...process.env, QUADLET_UNIT_DIRS: path.join(root, 'containers'), SYSTEMD_SCOPE: 'system' },
    });
    assert.equal(r.status, 0, r.stderr);
    const host = describeHost({}, 0);
    const podmanInstalled = host.paths.podmanGenerators.some((g) => spawnSync('test', ['-e', g]).status === 0);
    if (podmanInstalled) assert.match(r.stderr, /theirs\.container: left to podman's generator/);
    else assert.equal(r.stderr, '');
    const g = generateUnits(hostWith(dirsOf(root), [path.join(root, 'podman-generator')]), path.join(root, 'out2'), 'h', COMMAND);
    assert.deepEqual(g.leftToPodman, [path.join(root, 'containers', 'theirs.container')]);
  });
});

describe('the manager that runs the generator', () => {
  test('SYSTEMD_SCOPE first; else a link in a user-generators directory; else an output directory in the runtime directory', () => {
    const argv = (script: string, out: string) => ['/usr/bin/node', script, out, out, out];
    const sys = '/usr/lib/systemd/system-generators/ctrmon-systemd-generator';
    const usr = '/usr/lib/systemd/user-generators/ctrmon-systemd-generator';
    assert.equal(generatorManager(argv(sys, '/run/user/0/systemd/generator'), { SYSTEMD_SCOPE: 'system' }, 0), 'system');
    assert.equal(generatorManager(argv(sys, '/run/systemd/generator'), { SYSTEMD_SCOPE: 'user' }, 0), 'user');
    assert.equal(generatorManager(argv(usr, '/tmp/out'), {}, 0), 'user');
    assert.equal(generatorManager(argv(sys, '/run/systemd/generator'), {}, 0), 'system');
    assert.equal(generatorManager(argv(sys, '/run/user/0/systemd/generator'), {}, 0), 'user');
    assert.equal(generatorManager(argv(sys, '/run/user/1000/systemd/generator'), {}, 0), 'system', "another user's directory");
    assert.equal(generatorManager(argv(sys, '/xdg/systemd/generator.late'), { XDG_RUNTIME_DIR: '/xdg' }, 0), 'user');
    assert.equal(generatorManager(argv(sys, '/xdg/systemdx/generator'), { XDG_RUNTIME_DIR: '/xdg' }, 0), 'system');
  });

  test("run as a user generator by root (a link under user-generators/, no SYSTEMD_SCOPE): the user's directories", () => {
    const root = tree({ 'home/.config/containers/systemd/mine.container': container('/mine') });
    const link = path.join(root, 'user-generators', 'ctrmon-systemd-generator');
    mkdirSync(path.dirname(link));
    symlinkSync(path.join(path.dirname(CTRMON), 'ctrmon-systemd-generator'), link);
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: path.join(root, 'home'), XDG_CONFIG_HOME: '', XDG_RUNTIME_DIR: '' };
    delete env.SYSTEMD_SCOPE;
    const r = spawnSync(link, [path.join(root, 'out')], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(path.join(root, 'out')), ['mine.service']);
  });
});
