import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { type Bundle, loadBundle } from '../../src/spec/bundle';
import { bundleBase } from '../../src/spec/bundle-base';
import { type SpecOptions, buildSpec } from '../../src/spec/pipeline';

/** The config the monitor writes for a bundle with these options. */
function derive(bundle: Bundle, options: Partial<SpecOptions>) {
  return buildSpec(bundleBase(bundle), { command: [], env: [], volumes: [], ...options }).config;
}

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-bundle-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function bundleWith(config: unknown, rootfs = true): string {
  const b = path.join(dir, `b${++n}`);
  mkdirSync(b);
  if (rootfs) mkdirSync(path.join(b, 'rootfs'));
  writeFileSync(path.join(b, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return b;
}

const good = {
  process: { args: ['/bin/app'], env: ['PATH=/bin', 'NOTIFY_SOCKET=/old', 'A=1'] },
  root: { path: 'rootfs' },
  mounts: [
    { destination: '/data', type: 'bind', source: 'data', options: ['rbind'] },
    { destination: '/proc', type: 'proc', source: 'proc' },
  ],
};

describe('bundle', () => {
  test('each problem is named, with the bundle', () => {
    const cases: [string, RegExp][] = [
      [path.join(dir, 'absent'), /the directory does not exist/],
      [bundleWith('{oops'), /config.json is not valid JSON/],
      [bundleWith('[]'), /config.json is not a JSON object/],
      [bundleWith({ root: { path: 'rootfs' } }), /config.json has no "process" object/],
      [bundleWith({ process: { args: 'app' }, root: { path: 'rootfs' } }), /process.args must be a list of strings/],
      [bundleWith({ process: { args: ['a'], terminal: true }, root: { path: 'rootfs' } }), /process.terminal is true/],
      [bundleWith({ process: { args: ['a'] }, root: { path: 'rootfs' }, linux: { namespaces: {} } }), /linux.namespaces must be a list/],
      [bundleWith({ process: { args: ['a'] } }), /root.path is missing/],
      [bundleWith({ process: { args: ['a'] }, root: { path: 'rootfs' } }, false), /rootfs .*rootfs does not exist/],
    ];
    for (const [b, problem] of cases) {
      assert.throws(
        () => loadBundle(b),
        (err: Error & { code: string; subject: { path: string } }) => {
          assert.equal(err.code, 'ERR_BUNDLE_INVALID');
          assert.match(err.message, new RegExp(`^invalid bundle ${b}: `));
          assert.match(err.message, problem);
          assert.equal(err.subject.path, b);
          return true;
        },
      );
    }
  });

  test('a symlinked rootfs is resolved (runc refuses symlinks)', () => {
    const b = bundleWith({ process: { args: ['a'] }, root: { path: 'link' } }, true);
    symlinkSync('rootfs', path.join(b, 'link'));
    assert.equal(loadBundle(b).rootfs, path.join(b, 'rootfs'));
  });

  test('the derived config: absolute rootfs, env, notify mount, bind sources, cgroups; the original untouched', () => {
    const bundle: Bundle = loadBundle(bundleWith(good));
    const original = JSON.stringify(bundle.config);
    const derived = derive(bundle, {
      command: ['/bin/other', '-x'],
      env: ['A=2', 'B=3'],
      notifyDir: '/run/ctrmon/web/notify',
      cgroupsPath: '/system.slice/web.service/container',
    });
    assert.equal(JSON.stringify(bundle.config), original);
    assert.deepEqual(derived.process.args, ['/bin/other', '-x']);
    assert.deepEqual(derived.process.env, ['PATH=/bin', 'A=2', 'B=3', 'NOTIFY_SOCKET=/run/notify/notify.sock']);
    assert.equal(derived.root.path, bundle.rootfs);
    assert.deepEqual(derived.mounts![0], { destination: '/data', type: 'bind', source: path.join(bundle.dir, 'data'), options: ['rbind'] });
    assert.deepEqual(derived.mounts![2], {
      destination: '/run/notify',
      type: 'bind',
      source: '/run/ctrmon/web/notify',
      options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'],
    });
    assert.equal(derived.linux?.cgroupsPath, '/system.slice/web.service/container');
  });

  test("without a notify mode the container gets no NOTIFY_SOCKET, not even the bundle's own", () => {
    const derived = derive(loadBundle(bundleWith(good)), { env: [] });
    assert.deepEqual(derived.process.env, ['PATH=/bin', 'A=1']);
    assert.ok(!derived.mounts!.some((m) => m.destination === '/run/notify'));
    assert.equal(derived.linux, undefined);
  });

  test('no command anywhere is an error', () => {
    const bundle = loadBundle(bundleWith({ process: {}, root: { path: 'rootfs' } }));
    assert.throws(() => derive(bundle, { env: [] }), /process.args is empty and no command was given/);
  });
});
