// The spec pipeline as a whole: the order of its steps where they meet, and its output for bundles
// and images compared with what the derivation before the pipeline gave (spec-golden.json, written
// by the code of commit 1f58fad: runtime-config.ts for images, then deriveConfig for both).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { parseSignal } from '../../src/config/parse';
import type { ImageConfig } from '../../src/image/conversion/image-config';
import { resolveUser } from '../../src/image/conversion/user';
import { packagePath } from '../../src/package-root';
import { loadBundle } from '../../src/spec/bundle';
import { bundleBase } from '../../src/spec/bundle-base';
import { imageBase } from '../../src/spec/image-base';
import type { OciConfig, RuntimeSpec } from '../../src/spec/oci';
import { type BaseSpec, SPEC_STEPS, type SpecOptions, buildSpec } from '../../src/spec/pipeline';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-spec-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function bundleOf(config: unknown): string {
  const b = path.join(dir, `b${++n}`);
  mkdirSync(path.join(b, 'rootfs'), { recursive: true });
  writeFileSync(path.join(b, 'config.json'), JSON.stringify(config));
  return b;
}

type Source =
  | { kind: 'bundle'; config: OciConfig }
  | { kind: 'image'; name: string; image: ImageConfig; passwd: string; group: string; machineId: string };

interface GoldenCase {
  name: string;
  source: Source;
  options: Omit<SpecOptions, 'stopSignal'> & { stopSignal?: string };
  expected: { config: OciConfig; stopSignal: string | number };
}

/** The case's source as its base; a bundle's directory is written as <bundle>. */
function baseOf(source: Source): { base: BaseSpec; bundleDir?: string } {
  if (source.kind === 'bundle') {
    const bundleDir = bundleOf(source.config);
    return { base: bundleBase(loadBundle(bundleDir)), bundleDir };
  }
  const user = resolveUser(source.image.config.User ?? '', source.passwd, source.group);
  const rootfs = `/run/ctrmon/${source.name}/rootfs`;
  return { base: imageBase({ name: source.name, image: source.image, user, rootfs, machineId: source.machineId }) };
}

/** The signal the monitor sends (monitor.ts stopSignal()). */
function sentSignal(spec: RuntimeSpec): string | number {
  const asked = spec.stopSignal ?? 'SIGTERM';
  return typeof asked === 'number' ? asked : parseSignal('StopSignal', asked);
}

describe('the pipeline', () => {
  test('one ordered chain of named steps', () => {
    assert.deepEqual(
      SPEC_STEPS.map((s) => s.name),
      [
        'command',
        'environment',
        'hostname',
        'working dir',
        'annotations',
        'rlimits',
        'no new privileges',
        'resources',
        'shm size',
        'timezone',
        'user',
        'additional groups',
        'capabilities',
        'seccomp',
        'network',
        'sysctl',
        'systemd mode',
        'volumes',
        'tmpfs',
        'read-only',
        'devices',
        'masked paths',
        'secrets',
        'listen fds',
        'watchdog',
        'notify socket',
        'cgroups path',
        'stop signal',
      ],
    );
  });

  test('the same config as the derivation before it, for bundles and images (golden)', () => {
    const cases = JSON.parse(readFileSync(packagePath('test', 'unit', 'spec-golden.json'), 'utf8')) as GoldenCase[];
    assert.equal(cases.length, 7);
    for (const c of cases) {
      const { base, bundleDir } = baseOf(c.source);
      const spec = buildSpec(base, c.options as SpecOptions);
      const config = bundleDir ? JSON.parse(JSON.stringify(spec.config).split(bundleDir).join('<bundle>')) : spec.config;
      assert.deepEqual(config, c.expected.config, c.name);
      assert.equal(sentSignal(spec), c.expected.stopSignal, c.name);
    }
  });

  test('the base is not modified', () => {
    const { base } = baseOf({ kind: 'bundle', config: { process: { args: ['/bin/app'], env: ['A=1'] }, root: { path: 'rootfs' } } });
    const before = JSON.stringify(base.config);
    buildSpec(base, { command: ['/bin/other'], env: ['A=2'], volumes: [{ source: '/srv', destination: '/srv', readonly: true }] });
    assert.equal(JSON.stringify(base.config), before);
  });

  test('where steps meet: the systemd mode sees the command given, HOME and container_uuid come after --env', () => {
    const image: ImageConfig = {
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/app'] },
      rootfs: { type: 'layers', diff_ids: [] },
    };
    const base = imageBase({ name: 'os', image, user: resolveUser('', '', ''), rootfs: '/r', machineId: 'f'.repeat(32) });
    const spec = buildSpec(base, { command: ['/sbin/init'], env: ['HOME=/from-env'], volumes: [] });
    assert.equal(spec.systemdMode, true, 'the command given, not the image Cmd, is the init');
    assert.deepEqual(spec.config.process.env?.slice(-2), ['HOME=/from-env', `container_uuid=${'f'.repeat(32)}`]);
    assert.equal(spec.stopSignal, 37);
  });

  test('where steps meet: a volume goes over the config mounts, the notify mount comes last', () => {
    const { base } = baseOf({
      kind: 'bundle',
      config: {
        process: { args: ['/sbin/init'] },
        root: { path: 'rootfs' },
        mounts: [{ destination: '/data', type: 'tmpfs', source: 'tmpfs' }],
      },
    });
    const spec = buildSpec(base, {
      command: [],
      env: [],
      volumes: [{ source: '/srv/data', destination: '/data', readonly: false }],
      systemd: 'true',
      notifyDir: '/run/ctrmon/x/notify',
    });
    const destinations = spec.config.mounts?.map((m) => `${m.destination} ${m.type}`);
    assert.deepEqual(destinations, [
      '/data tmpfs',
      '/run tmpfs',
      '/run/lock tmpfs',
      '/tmp tmpfs',
      '/var/log/journal tmpfs',
      '/sys/fs/cgroup cgroup',
      '/data bind',
      '/run/notify bind',
    ]);
  });
});

describe('the bases', () => {
  test("a bundle's: its config with the rootfs absolute and relative bind sources resolved; no defaults", () => {
    const b = bundleOf({
      process: {},
      root: { path: 'rootfs', readonly: true },
      mounts: [
        { destination: '/data', source: 'data', options: ['rbind'] },
        { destination: '/abs', type: 'bind', source: '/srv/abs' },
        { destination: '/proc', type: 'proc', source: 'proc' },
      ],
    });
    const base = bundleBase(loadBundle(b));
    assert.deepEqual(base.config.root, { path: path.join(b, 'rootfs'), readonly: true });
    assert.deepEqual(
      base.config.mounts?.map((m) => m.source),
      [path.join(b, 'data'), '/srv/abs', 'proc'],
    );
    assert.deepEqual(base.defaults, { env: [] });
    assert.deepEqual(base.entrypoint, []);
    assert.match(base.machineId(), /^[0-9a-f]{32}$/);
    assert.equal(bundleBase(loadBundle(b)).machineId(), base.machineId(), 'the same at every start');
    assert.throws(() => buildSpec(base, { command: [], env: [], volumes: [] }), {
      code: 'ERR_BUNDLE_INVALID',
      message: `invalid bundle ${b}: process.args is empty and no command was given`,
    });
  });

  test("an image's: podman's defaults for the options not given", () => {
    const image: ImageConfig = { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } };
    const base = imageBase({ name: 'web', image, user: resolveUser('', '', ''), rootfs: '/r', machineId: 'f'.repeat(32) });
    assert.deepEqual(base.defaults, {
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'container=ctrmon'],
      network: 'host',
      systemd: 'true',
    });
    assert.throws(() => buildSpec(base, { command: [], env: [], volumes: [] }), {
      code: 'ERR_IMAGE_CONFIG',
      message: 'container web: the image has no Entrypoint or Cmd and no command was given',
    });
  });
});
