// The spec steps of the container's filesystem, devices and secrets, each on its own: tmpfs,
// read-only, devices, masked paths and secrets; and where they meet in the pipeline.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import type { OciConfig, RuntimeSpec } from '../../src/spec/oci';
import { buildSpec } from '../../src/spec/pipeline';
import { bundleBase } from '../../src/spec/bundle-base';
import { applyDevices } from '../../src/spec/steps/devices';
import { applyMaskedPaths } from '../../src/spec/steps/masked-paths';
import { applyReadOnly } from '../../src/spec/steps/read-only';
import { applySecrets } from '../../src/spec/steps/secrets';
import { applyTmpfs } from '../../src/spec/steps/tmpfs';

function specOf(extra: Partial<OciConfig> = {}): RuntimeSpec {
  return { config: { process: { args: ['/bin/app'], env: ['A=1'] }, root: { path: '/rootfs' }, ...extra }, systemdMode: false };
}
const rootfs = mkdtempSync(path.join(tmpdir(), 'ctrmon-mount-steps-'));
after(() => rmSync(rootfs, { recursive: true, force: true }));
for (const d of ['tmp', 'var/tmp', 'run']) mkdirSync(path.join(rootfs, d), { recursive: true });
const TMPFS = ['rw', 'noexec', 'nosuid', 'nodev', 'rprivate', 'tmpcopyup'];

describe('tmpfs', () => {
  test("in the place of the config's mount at its path, else after the others; a volume's path is an error", () => {
    const spec = specOf({
      mounts: [
        { destination: '/dev/shm', type: 'tmpfs', source: 'shm' },
        { destination: '/proc', type: 'proc' },
      ],
    });
    applyTmpfs(spec, {
      tmpfs: [
        { destination: '/dev/shm', options: ['size=1g'] },
        { destination: '/cache', options: TMPFS },
      ],
      volumes: [],
    });
    assert.deepEqual(spec.config.mounts, [
      { destination: '/dev/shm', type: 'tmpfs', source: 'tmpfs', options: ['size=1g'] },
      { destination: '/proc', type: 'proc' },
      { destination: '/cache', type: 'tmpfs', source: 'tmpfs', options: TMPFS },
    ]);
    assert.throws(
      () =>
        applyTmpfs(specOf(), {
          tmpfs: [{ destination: '/d', options: [] }],
          volumes: [{ source: '/s', destination: '/d', readonly: false }],
        }),
      /\/d is mounted twice: by a volume and by a tmpfs/,
    );
  });
});

describe('read-only', () => {
  test("root.readonly, and podman's tmpfs on /tmp, /var/tmp and /run where nothing is mounted and the rootfs has the directory", () => {
    const spec = specOf({ root: { path: rootfs }, mounts: [{ destination: '/run', type: 'bind', source: '/x' }] });
    applyReadOnly(spec, { readOnly: true, readOnlyTmpfs: true });
    assert.equal(spec.config.root.readonly, true);
    assert.deepEqual(
      spec.config.mounts?.map((m) => `${m.destination} ${m.type}`),
      ['/run bind', '/tmp tmpfs', '/var/tmp tmpfs'],
    );
    const bare = specOf({ root: { path: rootfs } });
    applyReadOnly(bare, { readOnly: true, readOnlyTmpfs: false });
    assert.equal(bare.config.mounts, undefined);
    const lacking = specOf({ root: { path: path.join(rootfs, 'run') } });
    applyReadOnly(lacking, { readOnly: true });
    assert.deepEqual(lacking.config.mounts, [], 'no directory made in the rootfs');
    const kept = specOf({ root: { path: '/rootfs', readonly: true } });
    applyReadOnly(kept, {});
    assert.equal(kept.config.root.readonly, true, "not given: the config's own stands");
    applyReadOnly(kept, { readOnly: false });
    assert.equal(kept.config.root.readonly, false);
    assert.equal(kept.config.mounts, undefined);
  });
});

describe('devices', () => {
  test("the host's node with its type, major and minor, at the path asked, and a cgroup rule allowing it", () => {
    const spec = specOf({
      linux: {
        devices: [{ path: '/dev/other', type: 'c', major: 9, minor: 9 }],
        resources: { devices: [{ allow: false, access: 'rwm' }] },
      },
    });
    applyDevices(spec, { devices: [{ path: '/dev/null', containerPath: '/dev/other', permissions: 'rw' }] });
    const st = statSync('/dev/null');
    assert.deepEqual(spec.config.linux?.devices, [
      { path: '/dev/other', type: 'c', major: 1, minor: 3, fileMode: st.mode & 0o777, uid: st.uid, gid: st.gid },
    ]);
    assert.deepEqual((spec.config.linux?.resources as { devices: unknown[] } | undefined)?.devices, [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' },
    ]);
    assert.throws(
      () => applyDevices(specOf(), { devices: [{ path: '/etc/hostname', containerPath: '/x', permissions: 'r' }] }),
      /not a character or block device/,
    );
    assert.throws(() => applyDevices(specOf(), { devices: [{ path: '/dev/no-such', containerPath: '/x', permissions: 'r' }] }), /ENOENT/);
  });
});

describe('masked paths', () => {
  const linux = () => ({ maskedPaths: ['/proc/kcore', '/proc/keys', '/sys/firmware'], readonlyPaths: ['/proc/sys', '/proc/bus'] });
  test('unmask takes paths and globs out of both lists, ALL empties them; mask adds after', () => {
    const spec = specOf({ linux: linux() });
    applyMaskedPaths(spec, { unmask: ['/proc/k*', '/proc/sys'], mask: ['/proc/keys', '/data/secret'] });
    assert.deepEqual(spec.config.linux?.maskedPaths, ['/sys/firmware', '/proc/keys', '/data/secret']);
    assert.deepEqual(spec.config.linux?.readonlyPaths, ['/proc/bus']);
    const all = specOf({ linux: linux() });
    applyMaskedPaths(all, { unmask: ['ALL'] });
    assert.deepEqual([all.config.linux?.maskedPaths, all.config.linux?.readonlyPaths], [[], []]);
    const none = specOf({ linux: linux() });
    applyMaskedPaths(none, {});
    assert.deepEqual(none.config.linux, linux());
  });
});

describe('secrets', () => {
  test('a file bound read-only at its target; an env secret replaces its variable', () => {
    const spec = specOf();
    applySecrets(spec, {
      secrets: [
        { type: 'mount', source: '/run/ctrmon/web/secrets/0-db', target: '/run/secrets/db' },
        { type: 'env', target: 'A', value: 's3cret' },
      ],
    });
    assert.deepEqual(spec.config.mounts, [
      {
        destination: '/run/secrets/db',
        type: 'bind',
        source: '/run/ctrmon/web/secrets/0-db',
        options: ['bind', 'rprivate', 'ro', 'nosuid', 'noexec', 'nodev'],
      },
    ]);
    assert.deepEqual(spec.config.process.env, ['A=s3cret']);
  });
});

describe('where the steps meet', () => {
  test("a secret goes over --read-only's /run tmpfs, which goes where a --tmpfs is not", () => {
    const base = bundleBase({ dir: '/b', rootfs, config: { process: { args: ['/app'] }, root: { path: 'rootfs' } } });
    const spec = buildSpec(base, {
      command: [],
      env: [],
      volumes: [],
      tmpfs: [{ destination: '/tmp', options: ['size=1m'] }],
      readOnly: true,
      secrets: [{ type: 'mount', source: '/s/0-db', target: '/run/secrets/db' }],
    });
    assert.deepEqual(
      spec.config.mounts?.map((m) => `${m.destination} ${m.options?.[0]}`),
      ['/tmp size=1m', '/var/tmp rw', '/run rw', '/run/secrets/db bind'],
    );
  });
});
