// The options about the container's process (config/monitor-options.ts, config/process-values.ts),
// their .container keys, and the steps that apply them (src/spec/steps/), one by one.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { buildMonitorOptions, monitorArgs } from '../../src/config/monitor-options';
import { parseBoolean, parseSize } from '../../src/config/parse';
import { parseEntrypoint, parseUlimit } from '../../src/config/process-values';
import { configJson } from '../../src/spec/bundle';
import { describeHost } from '../../src/host/host';
import { resolveGroups, resolveUser } from '../../src/image/conversion/user';
import { capabilitiesOfMask, mergeCapabilities, normalizeCapability } from '../../src/spec/capabilities';
import { readEnvFile } from '../../src/spec/env-file';
import type { OciConfig, RuntimeSpec } from '../../src/spec/oci';
import { buildSpec } from '../../src/spec/pipeline';
import { applyAdditionalGroups } from '../../src/spec/steps/additional-groups';
import { applyAnnotations } from '../../src/spec/steps/annotations';
import { applyCapabilities } from '../../src/spec/steps/capabilities';
import { applyCommand } from '../../src/spec/steps/command';
import { applyEnvironment } from '../../src/spec/steps/environment';
import { applyHostname } from '../../src/spec/steps/hostname';
import { applyNoNewPrivileges } from '../../src/spec/steps/no-new-privileges';
import { applyResources } from '../../src/spec/steps/resources';
import { applyRlimits } from '../../src/spec/steps/rlimits';
import { applySeccomp } from '../../src/spec/steps/seccomp';
import { applyShmSize } from '../../src/spec/steps/shm-size';
import { applySysctl } from '../../src/spec/steps/sysctl';
import { applyTimezone } from '../../src/spec/steps/timezone';
import { applyWorkingDir } from '../../src/spec/steps/working-dir';
import { containerToUnit } from '../../src/systemd/quadlet';
import { CtrmonError } from '../../src/errors';

const HOST = describeHost({}, 0);
const BUNDLE = { bundle: '/srv/b' };
const options = (raw: Record<string, string | string[]>) => buildMonitorOptions('web', [], { ...BUNDLE, ...raw }, HOST);
const argsOf = (raw: Record<string, string | string[]>) => monitorArgs(options(raw), HOST).slice(1, -1);

function specOf(process: Partial<OciConfig['process']> = {}, extra: Partial<OciConfig> = {}): RuntimeSpec {
  return { config: { process: { args: ['/bin/app'], ...process }, root: { path: '/rootfs' }, ...extra }, systemdMode: false };
}

/** A .container file's options. */
function fromFile(lines: string[], file = '/etc/ctrmon/systemd/web.container') {
  return containerToUnit(file, ['[Container]', 'Bundle=/srv/b', ...lines, ''].join('\n'), '', HOST).options;
}

describe('process options', () => {
  test('sizes as podman writes them; booleans in every systemd spelling', () => {
    assert.equal(parseSize('--x', '1.5g'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('--x', '2GiB'), 2 * 1024 ** 3);
    assert.equal(parseSize('--x', '64kb'), 65536);
    for (const yes of ['yes', 'True', 'on', '1', 'y', 't']) assert.equal(parseBoolean('--x', yes), true);
    for (const no of ['no', 'FALSE', 'off', '0', 'n', 'f']) assert.equal(parseBoolean('--x', no), false);
    assert.throws(() => parseBoolean('NoNewPrivileges', 'maybe'), /NoNewPrivileges "maybe": expected a boolean/);
  });

  test('each option round-trips through the ExecStart arguments', () => {
    const raw = {
      envFile: ['/etc/app.env'],
      user: 'app:staff',
      groupAdd: ['video', '77'],
      workdir: '/srv',
      entrypoint: '["/bin/sh","-c"]',
      hostname: 'box',
      tz: 'Europe/Berlin',
      annotation: ['a=b'],
      sysctl: ['net.ipv4.ip_forward=1'],
      ulimit: ['nofile=512:1024'],
      securityOpt: ['no-new-privileges', 'seccomp=/etc/profile.json'],
      capAdd: ['net_admin'],
      capDrop: ['KILL'],
      pidsLimit: '40',
      memory: '64m',
      shmSize: '1m',
    };
    const args = argsOf({ ...raw, envHost: 'true' });
    assert.deepEqual(args, [
      '--bundle',
      '/srv/b',
      '--sdnotify',
      'conmon',
      '--env-file',
      '/etc/app.env',
      '--env-host',
      '--user',
      'app:staff',
      '--group-add',
      'video',
      '--group-add',
      '77',
      '--workdir',
      '/srv',
      '--entrypoint',
      '["/bin/sh","-c"]',
      '--hostname',
      'box',
      '--tz',
      'Europe/Berlin',
      '--annotation',
      'a=b',
      '--sysctl',
      'net.ipv4.ip_forward=1',
      '--ulimit',
      'nofile=512:1024',
      '--security-opt',
      'no-new-privileges',
      '--security-opt',
      'seccomp=/etc/profile.json',
      '--cap-add',
      'CAP_NET_ADMIN',
      '--cap-drop',
      'CAP_KILL',
      '--pids-limit',
      '40',
      '--memory',
      String(64 * 1024 ** 2),
      '--shm-size',
      String(1024 ** 2),
    ]);
    const o = options(raw);
    assert.deepEqual(
      [o.envHost, o.entrypoint, o.ulimits, o.security],
      [
        false,
        ['/bin/sh', '-c'],
        [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 }],
        { noNewPrivileges: true, seccomp: '/etc/profile.json' },
      ],
    );
  });

  test('bad values are refused, naming the option', () => {
    const bad: [Record<string, string | string[]>, RegExp][] = [
      [{ group: 'staff' }, /--group "staff": needs --user/],
      [{ user: 'a:b:c' }, /--user "a:b:c"/],
      [{ groupAdd: ['keep-groups'] }, /--group-add "keep-groups"/],
      [{ workdir: 'srv' }, /--workdir "srv": must be an absolute path/],
      [{ tz: '../etc/passwd' }, /--tz/],
      [{ sysctl: ['kernel.hostname=x'] }, /--sysctl "kernel.hostname": not a namespaced sysctl/],
      [{ ulimit: ['nofile=10:5'] }, /soft limit is above the hard one/],
      [{ ulimit: ['files=10'] }, /--ulimit "files=10"/],
      [{ securityOpt: ['label=disable'] }, /--security-opt "label=disable"/],
      [{ capAdd: ['CAP_NOPE'] }, /unknown capability "CAP_NOPE"/],
      [{ capAdd: ['KILL'], capDrop: ['kill'] }, /capability CAP_KILL cannot be dropped and added/],
      [{ capAdd: ['all'], capDrop: ['ALL'] }, /adding all capabilities and dropping all/],
      [{ pidsLimit: '0' }, /--pids-limit "0"/],
      [{ memory: '0' }, /--memory "0": must be more than 0/],
    ];
    for (const [raw, message] of bad) assert.throws(() => options(raw), { code: 'ERR_INVALID_OPTION', message }, JSON.stringify(raw));
  });

  test('--group replaces the group part of --user', () => {
    assert.equal(options({ user: 'app:old', group: '2000' }).user, 'app:2000');
    assert.equal(options({ user: '1000' }).user, '1000');
  });

  test('an entrypoint: a JSON array, else the value as one word', () => {
    assert.deepEqual(parseEntrypoint('["/bin/app", "--x"]'), ['/bin/app', '--x']);
    assert.deepEqual(parseEntrypoint('/bin/app --x'), ['/bin/app --x']);
    assert.deepEqual(parseEntrypoint('[not json'), ['[not json']);
    assert.deepEqual(parseEntrypoint(''), ['']);
  });

  test('ulimits by podman names; the hard limit defaults to the soft one', () => {
    assert.deepEqual(parseUlimit('nproc=100'), { type: 'RLIMIT_NPROC', soft: 100, hard: 100 });
    assert.deepEqual(parseUlimit('core=0:1000'), { type: 'RLIMIT_CORE', soft: 0, hard: 1000 });
  });

  test('-1 is unlimited, as podman takes it: above every number, written to config.json as 2^64-1 exactly', () => {
    assert.deepEqual(parseUlimit('core=-1'), { type: 'RLIMIT_CORE', soft: -1, hard: -1 });
    assert.deepEqual(parseUlimit('core=100:-1'), { type: 'RLIMIT_CORE', soft: 100, hard: -1 });
    assert.throws(() => parseUlimit('core=-1:100'), /soft limit is above the hard one/);
    assert.throws(() => parseUlimit('core=-2'), /whole numbers or -1/);
    // A bundle's own 2^64-1, read by JSON.parse as a double, is written back exactly too.
    const config = JSON.parse(
      '{"process":{"rlimits":[{"type":"RLIMIT_CORE","soft":-1,"hard":18446744073709551615},{"type":"RLIMIT_NOFILE","soft":1024,"hard":1024}]},"annotations":{"soft":"-1"}}',
    ) as OciConfig;
    const text = configJson(config);
    assert.match(text, /"soft": 18446744073709551615,\s+"hard": 18446744073709551615/);
    assert.match(text, /"soft": 1024/);
    assert.match(text, /"soft": "-1"/, 'only rlimits are rewritten');
  });

  test('the .container keys set the options; paths are relative to the file', () => {
    const o = fromFile([
      'EnvironmentFile=app.env /abs.env',
      'EnvironmentHost=yes',
      'User=app',
      'Group=staff',
      'GroupAdd=video 77',
      'WorkingDir=/srv',
      'Entrypoint=["/bin/sh", "-c"]',
      'HostName=box',
      'Timezone=local',
      'Annotation=a=b c=d',
      'Sysctl=net.core.somaxconn=1024',
      'Ulimit=nofile=100:200',
      'NoNewPrivileges=true',
      'SeccompProfile=seccomp.json',
      'AddCapability=NET_ADMIN SYS_TIME',
      'DropCapability=all',
      'PidsLimit=-1',
      'Memory=1g',
      'ShmSize=128m',
    ]);
    assert.deepEqual(o.envFiles, ['/etc/ctrmon/systemd/app.env', '/abs.env']);
    assert.equal(o.envHost, true);
    assert.equal(o.user, 'app:staff');
    assert.deepEqual(o.groupAdd, ['video', '77']);
    assert.deepEqual([o.workdir, o.hostname, o.timezone], ['/srv', 'box', 'local']);
    assert.deepEqual(o.entrypoint, ['/bin/sh', '-c']);
    assert.deepEqual(o.annotations, { a: 'b', c: 'd' });
    assert.deepEqual(o.sysctls, { 'net.core.somaxconn': '1024' });
    assert.deepEqual(o.security, { noNewPrivileges: true, seccomp: '/etc/ctrmon/systemd/seccomp.json' });
    assert.deepEqual([o.capAdd, o.capDrop], [['CAP_NET_ADMIN', 'CAP_SYS_TIME'], ['ALL']]);
    assert.deepEqual([o.pidsLimit, o.memory, o.shmSize], [-1, 1024 ** 3, 128 * 1024 ** 2]);
    assert.equal(fromFile(['EnvironmentHost=no', 'NoNewPrivileges=no']).envHost, false);
    assert.deepEqual(fromFile(['NoNewPrivileges=off']).security, {});
    assert.deepEqual(fromFile(['EnvironmentFile=%h/app.env']).envFiles, ['%h/app.env'], 'a specifier is for systemd to expand');
  });

  test('a bad key value names the file and line', () => {
    assert.throws(() => fromFile(['Ulimit=nofile=x']), /web\.container:3: Ulimit=: expected name=soft\[:hard\]/);
    assert.throws(() => fromFile(['Group=staff']), /web\.container: --group "staff": needs --user/);
  });
});

describe('environment files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-env-'));
  test("podman's format: comments, blank lines, leading blanks, values verbatim, KEY and KEY* from ctrmon's", () => {
    const file = path.join(dir, 'ok.env');
    writeFileSync(file, '# a comment\n\n  A=1\nB= two  words \nC\nD\nP*\nE==x\n');
    assert.deepEqual(readEnvFile(file, { C: 'own', PA: '1', PB: '2' }), ['A=1', 'B= two  words ', 'C=own', 'PA=1', 'PB=2', 'E==x']);
  });

  test('a line without a name is an error naming the file and line; a missing file too', () => {
    const file = path.join(dir, 'bad.env');
    writeFileSync(file, 'A=1\n=nameless\n');
    assert.throws(() => readEnvFile(file, {}), { code: 'ERR_INVALID_OPTION', message: new RegExp(`--env-file ${file}:2: "=nameless"`) });
    assert.throws(() => readEnvFile(path.join(dir, 'none.env'), {}), /cannot read it/);
  });
});

describe('process steps', () => {
  test("environment: defaults, the host's, the config's, the files', --env", () => {
    const spec = specOf({ env: ['A=config', 'B=config'] });
    applyEnvironment(spec, {
      env: ['D=env'],
      envDefaults: ['A=default', 'P=default'],
      envHost: ['A=host', 'C=host', 'P=host'],
      envFile: ['B=file', 'D=file'],
    });
    assert.deepEqual(spec.config.process.env, ['A=config', 'P=host', 'C=host', 'B=file', 'D=env']);
  });

  test('entrypoint: replaces the source\'s and its default command; [""] is none', () => {
    const noCommand = () => new CtrmonError('ERR_BUNDLE_INVALID', 'nothing');
    const spec = specOf({ args: ['/entry', 'cmd'] });
    applyCommand(spec, { command: [], entrypoint: ['/entry'], entrypointOverride: ['/other', '-x'], noCommand });
    assert.deepEqual(spec.config.process.args, ['/other', '-x']);
    applyCommand(spec, { command: ['/bin/app'], entrypoint: ['/entry'], entrypointOverride: [''], noCommand });
    assert.deepEqual(spec.config.process.args, ['/bin/app']);
    assert.throws(() => applyCommand(specOf(), { command: [], entrypoint: [], entrypointOverride: [''], noCommand }), /nothing/);
  });

  test('hostname: set, with a UTS namespace added where the config has none', () => {
    const spec = specOf({}, { linux: { namespaces: [{ type: 'pid' }] } });
    applyHostname(spec, { hostname: 'box' });
    assert.equal(spec.config.hostname, 'box');
    assert.deepEqual(spec.config.linux?.namespaces, [{ type: 'pid' }, { type: 'uts' }]);
    applyHostname(spec, { hostname: 'again' });
    assert.equal(spec.config.linux?.namespaces?.length, 2);
  });

  test('working dir, annotations, no new privileges, rlimits', () => {
    const spec = specOf(
      {
        rlimits: [
          { type: 'RLIMIT_NOFILE', soft: 1, hard: 1 },
          { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
        ],
      },
      { annotations: { own: '1', a: 'old' } },
    );
    applyWorkingDir(spec, { workdir: '/srv' });
    applyAnnotations(spec, { annotations: { a: 'new' } });
    applyNoNewPrivileges(spec, { noNewPrivileges: true });
    applyRlimits(spec, { ulimits: [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 }] });
    assert.equal(spec.config.process.cwd, '/srv');
    assert.deepEqual(spec.config.annotations, { own: '1', a: 'new' });
    assert.equal(spec.config.process.noNewPrivileges, true);
    assert.deepEqual(spec.config.process.rlimits, [
      { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
      { type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 },
    ]);
  });

  test('resources: pids and memory limits, memory and swap together twice the memory', () => {
    const spec = specOf({}, { linux: { resources: { devices: [{ allow: false }] } } });
    applyResources(spec, { pidsLimit: 40, memory: 1000 });
    assert.deepEqual(spec.config.linux?.resources, {
      devices: [{ allow: false }],
      pids: { limit: 40 },
      memory: { limit: 1000, swap: 2000 },
    });
  });

  test('shm size: the /dev/shm tmpfs resized, or added', () => {
    const spec = specOf({}, { mounts: [{ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'size=65536k'] }] });
    applyShmSize(spec, { shmSize: 1024 });
    assert.deepEqual(spec.config.mounts?.[0].options, ['nosuid', 'size=1024']);
    const bare = specOf();
    applyShmSize(bare, { shmSize: 2048 });
    assert.deepEqual(bare.config.mounts?.[0], {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=2048'],
    });
  });

  test("timezone: local binds the host's localtime; a zone binds its file and sets TZ; an unknown zone is an error", () => {
    const local = specOf();
    applyTimezone(local, { timezone: 'local' });
    assert.equal(local.config.mounts?.[0].destination, '/etc/localtime');
    assert.deepEqual(local.config.mounts?.[0].options, ['rbind', 'ro']);
    const zone = specOf({ env: ['TZ=old'] });
    applyTimezone(zone, { timezone: 'Europe/Berlin' });
    assert.match(zone.config.mounts?.[0].source ?? '', /zoneinfo\/Europe\/Berlin$/);
    assert.deepEqual(zone.config.process.env, ['TZ=Europe/Berlin']);
    assert.throws(() => applyTimezone(specOf(), { timezone: 'Nowhere/City' }), /--tz "Nowhere\/City": the host has no time zone file/);
  });

  test("additional groups after the user's own", () => {
    const spec = specOf({ user: { uid: 1, gid: 1, additionalGids: [5] } });
    applyAdditionalGroups(spec, { groupAdd: [5, 44] });
    assert.deepEqual(spec.config.process.user, { uid: 1, gid: 1, additionalGids: [5, 44] });
  });

  test("capabilities as podman sets them for root and for another user; ALL is ctrmon's bounding set", () => {
    const base = { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_CHOWN', 'CAP_KILL'], permitted: ['CAP_CHOWN', 'CAP_KILL'] };
    const boundingSet = () => ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN'];
    const root = specOf({ capabilities: structuredClone(base) });
    applyCapabilities(root, { capAdd: ['CAP_NET_ADMIN'], capDrop: ['CAP_KILL'], boundingSet });
    const rootCaps = ['CAP_CHOWN', 'CAP_NET_ADMIN'];
    assert.deepEqual(root.config.process.capabilities, {
      bounding: rootCaps,
      effective: rootCaps,
      permitted: rootCaps,
      inheritable: [],
      ambient: [],
    });
    const user = specOf({ user: { uid: 1000, gid: 1000 }, capabilities: structuredClone(base) });
    applyCapabilities(user, { capAdd: ['CAP_NET_ADMIN'], capDrop: [], boundingSet });
    const added = ['CAP_NET_ADMIN'];
    assert.deepEqual(user.config.process.capabilities, {
      bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_ADMIN'],
      effective: added,
      permitted: added,
      inheritable: added,
      ambient: added,
    });
    const all = specOf({ capabilities: structuredClone(base) });
    applyCapabilities(all, { capAdd: ['ALL'], capDrop: [], boundingSet });
    assert.deepEqual(all.config.process.capabilities?.bounding, boundingSet());
    const none = specOf({ capabilities: structuredClone(base) });
    applyCapabilities(none, { capAdd: ['CAP_KILL'], capDrop: ['ALL'], boundingSet });
    assert.deepEqual(none.config.process.capabilities?.effective, ['CAP_KILL']);
    const untouched = specOf({ capabilities: structuredClone(base) });
    applyCapabilities(untouched, { capAdd: [], capDrop: [], boundingSet });
    assert.deepEqual(untouched.config.process.capabilities, base);
  });

  test('capability names and masks', () => {
    assert.equal(normalizeCapability('net_admin'), 'CAP_NET_ADMIN');
    assert.equal(normalizeCapability('All'), 'ALL');
    assert.deepEqual(capabilitiesOfMask('20000420'), ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_AUDIT_WRITE']);
    assert.deepEqual(
      mergeCapabilities(['CAP_B', 'CAP_A'], [], ['CAP_B'], () => []),
      ['CAP_A'],
    );
  });

  test('seccomp: unconfined removes the filter; a docker-form profile is taken for this machine', () => {
    const spec = specOf({ capabilities: { bounding: ['CAP_SYS_ADMIN'] } }, { linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW' } } });
    applySeccomp(spec, { seccomp: 'unconfined' });
    assert.equal(spec.config.linux?.seccomp, undefined);
    const profile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }, { architecture: 'SCMP_ARCH_AARCH64' }],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['reboot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_BOOT'] } },
        { names: ['arm_only'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
        { names: ['new_call'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.2' } },
        { name: 'old', action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { minKernel: '7.0' } },
      ],
    };
    applySeccomp(spec, { seccomp: profile, machine: { arch: 'x64', kernel: '6.1.0-18-amd64' } });
    assert.deepEqual(spec.config.linux?.seccomp, {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mount'], action: 'SCMP_ACT_ALLOW' },
        { names: ['old'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      ],
    });
    assert.throws(
      () => applySeccomp(specOf(), { seccomp: { defaultAction: 'X', architectures: ['A'], archMap: [{ architecture: 'A' }] } }),
      /both 'architectures' and 'archMap'/,
    );
  });

  test('sysctl: net.* needs a network namespace of its own, the IPC ones an IPC namespace', () => {
    const own = specOf({}, { linux: { namespaces: [{ type: 'network' }, { type: 'ipc' }] } });
    applySysctl(own, { sysctls: { 'net.core.somaxconn': '1024', 'kernel.shmmax': '1' } });
    assert.deepEqual(own.config.linux?.sysctl, { 'net.core.somaxconn': '1024', 'kernel.shmmax': '1' });
    const host = specOf({}, { linux: { namespaces: [{ type: 'ipc' }] } });
    assert.throws(
      () => applySysctl(host, { sysctls: { 'net.core.somaxconn': '1' } }),
      /--sysctl net.core.somaxconn: cannot be set, the container has the host's network/,
    );
    assert.throws(() => applySysctl(specOf(), { sysctls: { 'fs.mqueue.msg_max': '1' } }), /no IPC namespace/);
  });

  test('the pipeline: sysctl sees the network --network decided; an image with the host network refuses net.*', () => {
    const base = {
      config: specOf({}, { linux: { namespaces: [{ type: 'network' }] } }).config,
      entrypoint: [],
      noCommand: () => new CtrmonError('ERR_BUNDLE_INVALID', 'x'),
      machineId: () => '0',
      defaults: { env: [] },
    };
    const opts = { command: [], env: [], volumes: [], sysctls: { 'net.ipv4.ip_forward': '1' } };
    assert.deepEqual(buildSpec(base, opts).config.linux?.sysctl, { 'net.ipv4.ip_forward': '1' });
    assert.throws(() => buildSpec(base, { ...opts, network: 'host' }), /host's network/);
  });

  test('users and groups by name or id from the rootfs files', () => {
    const passwd = 'app:x:1000:1000:app:/home/app:/bin/sh\n';
    const group = 'app:x:1000:\nstaff:x:2000:app\n';
    assert.deepEqual(resolveUser('app', passwd, group, "the bundle's"), {
      uid: 1000,
      gid: 1000,
      additionalGids: [2000],
      home: '/home/app',
    });
    assert.throws(() => resolveUser('nobody', passwd, group, "the bundle's"), /no user "nobody" in the bundle's \/etc\/passwd/);
    assert.deepEqual(resolveGroups(['staff', '44'], group), [2000, 44]);
    assert.throws(() => resolveGroups(['video'], group, "the bundle's"), /no group "video" in the bundle's \/etc\/group/);
  });
});
