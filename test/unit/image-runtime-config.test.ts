// From an image's config to the runtime's config.json (the image's base, then the spec pipeline):
// users resolved from the image's passwd and group, the command, the environment, the network and
// podman's systemd mode. The last test runs the result with real runc on the demo rootfs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { type ImageConfig, parseImageConfig } from '../../src/image/conversion/image-config';
import { type ResolvedUser, resolveUser } from '../../src/image/conversion/user';
import { imageBase } from '../../src/spec/image-base';
import type { RuntimeSpec } from '../../src/spec/oci';
import { type SpecOptions, buildSpec } from '../../src/spec/pipeline';
import { SYSTEMD_STOP_SIGNAL, systemdModeOn } from '../../src/spec/steps/systemd-mode';
import { testBundle } from '../helpers/monitor-process';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1000:web:/home/web:/bin/sh\n# comment\nbroken:line\n';
const GROUP = 'root:x:0:\nweb:x:1000:\nadm:x:4:web,other\nstaff:x:50:web\n';

function image(config: ImageConfig['config'] = {}): ImageConfig {
  return { architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: [] } };
}

type ContainerFromImage = SpecOptions & { name: string; image: ImageConfig; user: ResolvedUser; uuid: string };

function container(extra: Partial<ContainerFromImage> = {}): ContainerFromImage {
  return {
    name: 'web',
    image: image({ Cmd: ['/bin/app'] }),
    user: resolveUser('', PASSWD, GROUP),
    command: [],
    env: [],
    volumes: [],
    network: 'host',
    systemd: 'true',
    uuid: '0123456789abcdef0123456789abcdef',
    ...extra,
  };
}

/** The config the monitor writes for a container from the image (with a rootfs relative to the bundle). */
function runtimeConfig({ name, image, user, uuid, ...options }: ContainerFromImage): RuntimeSpec {
  return buildSpec(imageBase({ name, image, user, rootfs: 'rootfs', machineId: uuid }), options);
}

function commandOf(image: ImageConfig, command: string[]): string[] {
  return runtimeConfig(container({ image, command })).config.process.args;
}

describe('image config', () => {
  test('parsed and checked, naming the digest and the field', () => {
    const blob = Buffer.from(JSON.stringify({ ...image({ Env: ['A=1'] }), rootfs: { type: 'layers', diff_ids: ['sha256:aa'] } }));
    assert.deepEqual(parseImageConfig(blob, 'sha256:c').config.Env, ['A=1']);
    assert.throws(() => parseImageConfig(Buffer.from('{'), 'sha256:c'), {
      code: 'ERR_IMAGE_CONFIG',
      message: /^image config sha256:c: not JSON/,
    });
    assert.throws(() => parseImageConfig(Buffer.from(JSON.stringify({ ...image({ Cmd: 'x' as never }) })), 'sha256:c'), {
      message: 'image config sha256:c: "config.Cmd" must be a list of strings',
    });
    assert.throws(() => parseImageConfig(Buffer.from(JSON.stringify({ os: 'linux', architecture: 'arm64' })), 'sha256:c'), {
      message: 'image config sha256:c: "rootfs.diff_ids" is missing or invalid',
    });
  });
});

describe('users', () => {
  test('names and numbers, groups and supplementary groups, as moby/sys/user resolves them', () => {
    assert.deepEqual(resolveUser('', PASSWD, GROUP), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
    assert.deepEqual(resolveUser('web', PASSWD, GROUP), { uid: 1000, gid: 1000, additionalGids: [4, 50], home: '/home/web' });
    assert.deepEqual(resolveUser('web:adm', PASSWD, GROUP), { uid: 1000, gid: 4, additionalGids: [], home: '/home/web' });
    assert.deepEqual(resolveUser('1000:7', PASSWD, GROUP), { uid: 1000, gid: 7, additionalGids: [], home: '/home/web' });
    assert.deepEqual(resolveUser('4242', PASSWD, GROUP), { uid: 4242, gid: 0, additionalGids: [], home: '/' }, 'a uid not in passwd');
    assert.deepEqual(resolveUser('4242', '', ''), { uid: 4242, gid: 0, additionalGids: [], home: '/' }, 'no passwd at all');
  });

  test("an unknown name or group, or an id past runc's limit, is an error naming the user", () => {
    assert.throws(() => resolveUser('nobody', PASSWD, GROUP), {
      code: 'ERR_IMAGE_CONFIG',
      message: `user "nobody": no user "nobody" in the image's /etc/passwd`,
    });
    assert.throws(() => resolveUser('web:wheel', PASSWD, GROUP), {
      message: `user "web:wheel": no group "wheel" in the image's /etc/group`,
    });
    assert.throws(() => resolveUser('2147483648', PASSWD, GROUP), { message: /out of range/ });
  });
});

describe('the runtime config', () => {
  test('args: Entrypoint ++ (the command, else Cmd); an Entrypoint of [""] is none', () => {
    assert.deepEqual(commandOf(image({ Entrypoint: ['/init'], Cmd: ['a'] }), []), ['/init', 'a']);
    assert.deepEqual(commandOf(image({ Entrypoint: ['/init'], Cmd: ['a'] }), ['b']), ['/init', 'b']);
    assert.deepEqual(commandOf(image({ Entrypoint: [''], Cmd: ['a'] }), []), ['a']);
    assert.throws(() => runtimeConfig(container({ image: image({}) })), { code: 'ERR_IMAGE_CONFIG', message: /no Entrypoint or Cmd/ });
  });

  test('env: PATH and container=ctrmon, then the image, HOME from passwd, then the user', () => {
    const { config } = runtimeConfig(
      container({
        image: image({ Cmd: ['x'], Env: ['PATH=/opt/bin', 'A=image'] }),
        env: ['A=user', 'B=2'],
        user: resolveUser('web', PASSWD, GROUP),
      }),
    );
    assert.deepEqual(config.process.env, ['PATH=/opt/bin', 'container=ctrmon', 'A=user', 'B=2', 'HOME=/home/web']);
    assert.deepEqual(config.process.user, { uid: 1000, gid: 1000, additionalGids: [4, 50] });
    assert.deepEqual(
      (config.process.capabilities as { effective: string[] }).effective,
      [],
      'no effective capabilities for a non-root user',
    );
  });

  test('network host shares the host namespace and its resolv.conf; none gets a namespace of its own', () => {
    const host = runtimeConfig(container({ network: 'host' })).config;
    const none = runtimeConfig(container({ network: 'none' })).config;
    const types = (c: typeof host) => ((c.linux?.namespaces ?? []) as { type: string }[]).map((n) => n.type);
    assert.ok(!types(host).includes('network'));
    assert.ok(types(none).includes('network'));
    assert.equal(host.mounts?.find((m) => m.destination === '/sys')?.type, 'bind');
    assert.equal(none.mounts?.find((m) => m.destination === '/sys')?.type, 'sysfs');
  });

  test('volumes become bind mounts, read-only when asked', () => {
    const { config } = runtimeConfig(container({ volumes: [{ source: '/srv/data', destination: '/data', readonly: true }] }));
    assert.deepEqual(config.mounts?.at(-1), {
      destination: '/data',
      type: 'bind',
      source: '/srv/data',
      options: ['rbind', 'rprivate', 'ro'],
    });
  });

  test("podman's systemd mode: decided by the command, with its mounts, environment and stop signal", () => {
    assert.equal(systemdModeOn('true', ['/sbin/init']), true);
    assert.equal(systemdModeOn('true', ['/bin/sh', '-c', '/usr/lib/systemd/systemd']), true);
    assert.equal(systemdModeOn('true', ['/bin/app']), false);
    assert.equal(systemdModeOn('always', ['/bin/app']), true);
    assert.equal(systemdModeOn('false', ['/sbin/init']), false);
    const on = runtimeConfig(container({ image: image({ Cmd: ['/sbin/init'], StopSignal: 'SIGTERM' }) }));
    assert.equal(on.systemdMode, true);
    assert.equal(on.stopSignal, SYSTEMD_STOP_SIGNAL);
    const destinations = on.config.mounts?.map((m) => m.destination);
    for (const d of ['/run', '/run/lock', '/tmp', '/var/log/journal', '/sys/fs/cgroup']) assert.ok(destinations?.includes(d), d);
    assert.ok(on.config.process.env?.includes('container_uuid=0123456789abcdef0123456789abcdef'));
    const off = runtimeConfig(container({ image: image({ Cmd: ['/bin/app'], StopSignal: 'SIGINT' }) }));
    assert.equal(off.stopSignal, 'SIGINT');
    assert.equal(
      off.config.mounts?.some((m) => m.destination === '/run'),
      false,
    );
  });
});

describe('runc runs it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-image-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const network of ['host', 'none'] as const) {
    test(`network ${network}, a non-root user and a read-only volume`, { skip: process.getuid?.() === 0 ? false : 'needs root' }, () => {
      const bundle = path.join(dir, network);
      cpSync(path.join(testBundle(), 'rootfs'), path.join(bundle, 'rootfs'), { recursive: true, verbatimSymlinks: true });
      writeFileSync(path.join(dir, 'data.txt'), 'from the host\n');
      chmodSync(dir, 0o755); // readable by the container's user 1000
      const { config } = runtimeConfig(
        container({
          network,
          image: image({ Cmd: ['/bin/sh', '-c', 'id -u; cat /data/data.txt; ip link 2>/dev/null | grep -c "^[0-9]"; echo "$container"'] }),
          user: resolveUser('1000:1000', PASSWD, GROUP),
          volumes: [{ source: dir, destination: '/data', readonly: true }],
        }),
      );
      writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
      const r = spawnSync('runc', ['run', '--bundle', bundle, `ctrmon-image-config-${network}-${process.pid}`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const [uid, data, links, containerEnv] = r.stdout.trim().split('\n');
      assert.deepEqual([uid, data, containerEnv], ['1000', 'from the host', 'ctrmon']);
      if (network === 'none') assert.equal(links, '1', 'only lo');
      else assert.ok(Number(links) >= 1);
    });
  }
});
