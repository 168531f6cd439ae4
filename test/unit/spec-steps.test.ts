// Each step of the spec pipeline on its own: what it changes in a config, and what it leaves alone.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';

import { CtrmonError } from '../../src/errors';
import type { OciConfig, RuntimeSpec } from '../../src/spec/oci';
import { applyCgroupsPath } from '../../src/spec/steps/cgroups-path';
import { applyCommand } from '../../src/spec/steps/command';
import { applyEnvironment } from '../../src/spec/steps/environment';
import { applyListenFds } from '../../src/spec/steps/listen-fds';
import { HOST_SYS_MOUNT, SYSFS_MOUNT, applyNetwork } from '../../src/spec/steps/network';
import { applyNotifySocket } from '../../src/spec/steps/notify-socket';
import { applyStopSignal } from '../../src/spec/steps/stop-signal';
import { SYSTEMD_STOP_SIGNAL, applySystemdMode } from '../../src/spec/steps/systemd-mode';
import { applyUser } from '../../src/spec/steps/user';
import { applyVolumes } from '../../src/spec/steps/volumes';
import { applyWatchdog } from '../../src/spec/steps/watchdog';

function specOf(extra: Partial<OciConfig> = {}, process: Partial<OciConfig['process']> = {}): RuntimeSpec {
  return { config: { process: { args: ['/bin/app'], ...process }, root: { path: '/rootfs' }, ...extra }, systemdMode: false };
}

const destinations = (spec: RuntimeSpec) => spec.config.mounts?.map((m) => m.destination);
const namespaces = (spec: RuntimeSpec) => spec.config.linux?.namespaces?.map((n) => n.type);
const noCommand = () => new CtrmonError('ERR_BUNDLE_INVALID', 'nothing to run');

describe('command', () => {
  test('a command replaces what follows the entrypoint; without an entrypoint all of process.args', () => {
    const image = specOf({}, { args: ['/entry', 'default'] });
    applyCommand(image, { command: ['given'], entrypoint: ['/entry'], noCommand });
    assert.deepEqual(image.config.process.args, ['/entry', 'given']);
    const bundle = specOf({}, { args: ['/bin/app', '-x'] });
    applyCommand(bundle, { command: ['/bin/other'], entrypoint: [], noCommand });
    assert.deepEqual(bundle.config.process.args, ['/bin/other']);
    const kept = specOf({}, { args: ['/bin/app', '-x'] });
    applyCommand(kept, { command: [], entrypoint: [], noCommand });
    assert.deepEqual(kept.config.process.args, ['/bin/app', '-x']);
  });

  test("nothing to run is the source's error", () => {
    assert.throws(() => applyCommand(specOf({}, { args: [] }), { command: [], entrypoint: [], noCommand }), { message: 'nothing to run' });
  });
});

describe('environment', () => {
  test("the source's defaults, then the config's, then --env, each replacing the same key in place", () => {
    const spec = specOf({}, { env: ['PATH=/own', 'A=1', 'B=1'] });
    applyEnvironment(spec, { env: ['A=2', 'C=3'], envDefaults: ['PATH=/default', 'container=ctrmon'] });
    assert.deepEqual(spec.config.process.env, ['PATH=/own', 'container=ctrmon', 'A=2', 'B=1', 'C=3']);
  });

  test('a config without an environment gets one', () => {
    const spec = specOf();
    applyEnvironment(spec, { env: [], envDefaults: [] });
    assert.deepEqual(spec.config.process.env, []);
  });
});

describe('user', () => {
  const caps = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };

  test('a user other than root: its ids and groups, no effective or permitted capabilities, HOME from passwd', () => {
    const spec = specOf({}, { env: ['A=1'], capabilities: caps });
    applyUser(spec, { user: { uid: 1000, gid: 1000, additionalGids: [4], home: '/home/web' } });
    assert.deepEqual(spec.config.process.user, { uid: 1000, gid: 1000, additionalGids: [4] });
    assert.deepEqual(spec.config.process.capabilities, { bounding: ['CAP_KILL'], effective: [], permitted: [] });
    assert.deepEqual(spec.config.process.env, ['A=1', 'HOME=/home/web']);
  });

  test("root keeps the capabilities; a HOME set stays; no user resolved leaves the config's", () => {
    const spec = specOf({}, { env: ['HOME=/set'], capabilities: caps });
    applyUser(spec, { user: { uid: 0, gid: 0, additionalGids: [], home: '/root' } });
    assert.deepEqual(spec.config.process.user, { uid: 0, gid: 0 });
    assert.deepEqual(spec.config.process.capabilities, caps);
    assert.deepEqual(spec.config.process.env, ['HOME=/set']);
    const untouched = specOf({}, { user: { uid: 5, gid: 5 } });
    applyUser(untouched, {});
    assert.deepEqual(untouched.config, specOf({}, { user: { uid: 5, gid: 5 } }).config);
  });
});

describe('network', () => {
  const bundle = () =>
    specOf({
      mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }, structuredClone(SYSFS_MOUNT)],
      linux: { namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'mount' }] },
    });

  test('not given: the namespaces and mounts stand', () => {
    const spec = bundle();
    applyNetwork(spec, {});
    assert.deepEqual(spec.config, bundle().config);
  });

  test("host: no network namespace, the host's /sys, its resolv.conf and hosts read-only", () => {
    const spec = bundle();
    applyNetwork(spec, { network: 'host' });
    assert.deepEqual(namespaces(spec), ['pid', 'mount']);
    assert.deepEqual(spec.config.mounts?.[1], HOST_SYS_MOUNT);
    const files = ['/etc/resolv.conf', '/etc/hosts'].filter((f) => existsSync(f));
    assert.deepEqual(destinations(spec), ['/proc', '/sys', ...files]);
    for (const m of spec.config.mounts?.slice(2) ?? []) assert.deepEqual(m.options, ['rbind', 'ro']);
  });

  test('host: a file the config mounts already is not mounted twice', () => {
    const spec = specOf({ mounts: [{ destination: '/etc/hosts', type: 'bind', source: '/srv/hosts' }] });
    applyNetwork(spec, { network: 'host' });
    assert.equal(spec.config.mounts?.filter((m) => m.destination === '/etc/hosts').length, 1);
    assert.equal(spec.config.linux, undefined, 'no namespaces made up for a config that has none');
  });

  test('none: a new network namespace (also for one joined by path) and a sysfs of its own', () => {
    const spec = specOf({
      mounts: [structuredClone(HOST_SYS_MOUNT)],
      linux: { namespaces: [{ type: 'pid' }, { type: 'network', path: '/run/netns/x' }] },
    });
    applyNetwork(spec, { network: 'none' });
    assert.deepEqual(spec.config.linux?.namespaces, [{ type: 'pid' }, { type: 'network' }]);
    assert.deepEqual(spec.config.mounts, [SYSFS_MOUNT]);
    const bare = specOf();
    applyNetwork(bare, { network: 'none' });
    assert.deepEqual(namespaces(bare), ['network']);
  });
});

describe('systemd mode', () => {
  const init = () => specOf({ mounts: [{ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' }] }, { args: ['/sbin/init'], env: [] });

  test("off unless asked: a bundle's config stands", () => {
    const spec = init();
    applySystemdMode(spec, { volumes: [], machineId: () => 'a'.repeat(32) });
    assert.equal(spec.systemdMode, false);
    assert.deepEqual(spec.config, init().config);
    applySystemdMode(spec, { systemd: 'false', volumes: [], machineId: () => 'a'.repeat(32) });
    assert.equal(spec.systemdMode, false);
  });

  test('on: tmpfs where nothing is mounted, a writable cgroup in its own namespace, container_uuid', () => {
    const spec = init();
    spec.config.mounts?.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] });
    applySystemdMode(spec, {
      systemd: 'true',
      volumes: [{ source: '/srv/j', destination: '/var/log/journal', readonly: false }],
      machineId: () => 'a'.repeat(32),
    });
    assert.equal(spec.systemdMode, true);
    assert.deepEqual(destinations(spec), ['/tmp', '/sys/fs/cgroup', '/run', '/run/lock']);
    assert.deepEqual(spec.config.mounts?.[1].options, ['private', 'rw'], 'the cgroup mount replaced in place');
    assert.deepEqual(namespaces(spec), ['cgroup']);
    assert.deepEqual(spec.config.process.env, [`container_uuid=${'a'.repeat(32)}`]);
    applySystemdMode(spec, { systemd: 'always', volumes: [], machineId: () => 'b'.repeat(32) });
    assert.deepEqual(namespaces(spec), ['cgroup'], 'one cgroup namespace');
    assert.deepEqual(spec.config.process.env, [`container_uuid=${'a'.repeat(32)}`], 'a container_uuid set stays');
  });
});

describe('volumes', () => {
  test('bind mounts after the config mounts, read-only when asked', () => {
    const spec = specOf({ mounts: [{ destination: '/data', type: 'tmpfs', source: 'tmpfs' }] });
    applyVolumes(spec, {
      volumes: [
        { source: '/srv/data', destination: '/data', readonly: true },
        { source: '/srv/cache', destination: '/cache', readonly: false },
      ],
    });
    assert.deepEqual(spec.config.mounts?.slice(1), [
      { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rprivate', 'ro'] },
      { destination: '/cache', type: 'bind', source: '/srv/cache', options: ['rbind', 'rprivate', 'rw'] },
    ]);
  });
});

describe('what the host gives the container', () => {
  test('listen fds: their count, pid 1 and their names, replacing what the config said', () => {
    const spec = specOf({}, { env: ['LISTEN_FDS=9', 'A=1'] });
    applyListenFds(spec, { listenFds: { count: 2, names: ['http', 'https'] } });
    assert.deepEqual(spec.config.process.env, ['A=1', 'LISTEN_FDS=2', 'LISTEN_PID=1', 'LISTEN_FDNAMES=http:https']);
    const unnamed = specOf();
    applyListenFds(unnamed, { listenFds: { count: 1, names: null } });
    assert.deepEqual(unnamed.config.process.env, ['LISTEN_FDS=1', 'LISTEN_PID=1']);
    const none = specOf();
    applyListenFds(none, {});
    assert.equal(none.config.process.env, undefined);
  });

  test('watchdog: only with a notify socket to ping', () => {
    const spec = specOf({}, { env: ['WATCHDOG_USEC=1'] });
    applyWatchdog(spec, { watchdogUsec: '3000000', notifyDir: '/run/ctrmon/x/notify' });
    assert.deepEqual(spec.config.process.env, ['WATCHDOG_USEC=3000000']);
    const silent = specOf();
    applyWatchdog(silent, { watchdogUsec: '3000000' });
    assert.equal(silent.config.process.env, undefined);
  });

  test('notify socket: the relay directory at /run/notify, read-only, and NOTIFY_SOCKET; without one, neither', () => {
    const stale = () =>
      specOf({ mounts: [{ destination: '/run/notify', type: 'tmpfs', source: 'tmpfs' }] }, { env: ['NOTIFY_SOCKET=/old', 'A=1'] });
    const spec = stale();
    applyNotifySocket(spec, { notifyDir: '/run/ctrmon/x/notify' });
    assert.deepEqual(spec.config.process.env, ['A=1', 'NOTIFY_SOCKET=/run/notify/notify.sock']);
    assert.deepEqual(spec.config.mounts, [
      { destination: '/run/notify', type: 'bind', source: '/run/ctrmon/x/notify', options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'] },
    ]);
    const without = stale();
    applyNotifySocket(without, {});
    assert.deepEqual(without.config.process.env, ['A=1']);
    assert.deepEqual(without.config.mounts, []);
  });

  test("cgroups path: the monitor's, else the config's", () => {
    const spec = specOf({ linux: { cgroupsPath: '/own' } });
    applyCgroupsPath(spec, {});
    assert.equal(spec.config.linux?.cgroupsPath, '/own');
    applyCgroupsPath(spec, { cgroupsPath: '/system.slice/x.service/container' });
    assert.equal(spec.config.linux?.cgroupsPath, '/system.slice/x.service/container');
  });
});

describe('stop signal', () => {
  test("--stop-signal, else SIGRTMIN+3 in systemd mode, else the source's own, else none", () => {
    const spec = specOf();
    applyStopSignal(spec, { ownStopSignal: 'SIGINT' });
    assert.equal(spec.stopSignal, 'SIGINT');
    spec.systemdMode = true;
    applyStopSignal(spec, { ownStopSignal: 'SIGINT' });
    assert.equal(spec.stopSignal, SYSTEMD_STOP_SIGNAL);
    applyStopSignal(spec, { stopSignal: 'SIGTERM', ownStopSignal: 'SIGINT' });
    assert.equal(spec.stopSignal, 'SIGTERM', 'given, even as the default');
    const plain = specOf();
    applyStopSignal(plain, {});
    assert.equal(plain.stopSignal, undefined);
  });
});
