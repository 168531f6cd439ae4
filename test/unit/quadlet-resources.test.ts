// .volume, .image and .network files (podman-volume.unit(5), podman-image.unit(5),
// podman-network.unit(5) as the reference) and the units they give, as a table; then a .container
// that names them, and the generator over a directory of every kind. The units are read back with the unit-file parser and each
// ExecStart split into words, so a case states settings, not text.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { describeHost } from '../../src/host/host';
import { hostPlatform } from '../../src/image/platform';
import { packagePath } from '../../src/package-root';
import { generateUnits } from '../../src/systemd/generator';
import { containerToUnit } from '../../src/systemd/quadlet';
import { RESOURCE_KINDS, resourceKindOf, resourceToUnit } from '../../src/systemd/quadlet-resources';
import { parseUnitFile, splitWords } from '../../src/systemd/unit-file';

const DIR = '/etc/containers/systemd';
const COMMAND = ['/usr/bin/node', '/opt/ctrmon/bin/ctrmon.js'];
const SYSTEM = describeHost({}, 0);
const USER = describeHost({ SYSTEMD_SCOPE: 'user', HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' }, 1000);
const REF = 'registry.example/app:1';

interface Case {
  name: string;
  /** data.volume, web.image ... */
  file: string;
  text: string;
  user?: boolean;
  /** Section|Key|Value lines the unit must have. */
  has?: string[];
  /** Section|Key it must not have. */
  lacks?: string[];
  /** Each ExecStart's words after node and ctrmon, in order. */
  exec?: string[][];
  /** What a .container naming the file gets. */
  provides?: string;
  /** The error's message starts with this. */
  error?: string;
}

function unitLines(text: string): string[] {
  return parseUnitFile(text, 'generated').map((e) => `${e.section}|${e.key}|${e.value}`);
}

function check(c: Case): void {
  const file = path.join(DIR, c.file);
  const translate = () => resourceToUnit(file, c.text, 'test', c.user ? USER : SYSTEM, COMMAND);
  if (c.error) {
    assert.throws(translate, (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_UNIT_FILE');
      assert.ok(err.message.startsWith(`${file}:${c.error!}`), `${err.message}\n  should start with\n${file}:${c.error}`);
      return true;
    });
    return;
  }
  const unit = translate();
  const lines = unitLines(unit.text);
  const show = `\n${unit.text}`;
  for (const line of c.has ?? []) assert.ok(lines.includes(line), `${line} in${show}`);
  for (const key of c.lacks ?? []) assert.ok(!lines.some((l) => l.startsWith(`${key}|`)), `no ${key} in${show}`);
  const execs = lines
    .filter((l) => l.startsWith('Service|ExecStart|'))
    .map((l) => splitWords(l.slice('Service|ExecStart|'.length), () => 'ExecStart').slice(COMMAND.length));
  if (c.exec) assert.deepEqual(execs, c.exec, show);
  if (c.provides) assert.equal(unit.provides, c.provides);
}

/** A case for each key file's kind refuses, after the section's line and the lines before: the error names the key and says why. */
function refusedCases(file: string, before = ''): Case[] {
  const kind = RESOURCE_KINDS[resourceKindOf(file)!];
  const line = before.split('\n').length + 1;
  return Object.entries(kind.refused).map(([key, why]) => ({
    name: `${key}= is refused with why`,
    file,
    text: `[${kind.section}]\n${before}${key}=x\n`,
    error: `${line}: ${key}= is not supported: ${why}`,
  }));
}

const ONESHOT = ['Service|Type|oneshot', 'Service|RemainAfterExit|yes', 'Service|SyslogIdentifier|%N'];

const VOLUMES: Case[] = [
  {
    name: 'a bare [Volume] makes systemd-<name>, idempotently, in a oneshot that stays active',
    file: 'data.volume',
    text: '[Volume]\n',
    has: [...ONESHOT, `Unit|SourcePath|${DIR}/data.volume`, 'Unit|RequiresMountsFor|/var/lib/ctrmon/volumes'],
    lacks: ['Unit|Wants'],
    exec: [['volume', 'create', '--ignore', 'systemd-data']],
    provides: 'systemd-data',
  },
  {
    name: 'VolumeName= and Label= (a list: quoted words, an empty assignment resets)',
    file: 'data.volume',
    text: '[Volume]\nVolumeName=appdata\nLabel=a=1\nLabel=\nLabel="tier=cold store" b=2\n',
    exec: [['volume', 'create', '--ignore', '--label', 'tier=cold store', '--label', 'b=2', 'appdata']],
    provides: 'appdata',
  },
  {
    name: 'Driver=local and Copy=false are what ctrmon does',
    file: 'd.volume',
    text: '[Volume]\nDriver=local\nCopy=no\n',
    provides: 'systemd-d',
  },
  {
    name: 'a user manager: the volume in the user data directory',
    file: 'data.volume',
    text: '[Volume]\n',
    user: true,
    has: ['Unit|RequiresMountsFor|/home/u/.local/share/ctrmon/volumes'],
  },
  {
    name: 'a specifier in VolumeName= reaches the unit for systemd to expand',
    file: 'data.volume',
    text: '[Volume]\nVolumeName=data-%u\n',
    exec: [['volume', 'create', '--ignore', 'data-%u']],
    provides: 'data-%u',
  },
  {
    name: '[Unit], [Service] and [Install] pass through; a Quadlet dependency names its unit',
    file: 'data.volume',
    text: '[Unit]\nDescription=the data\n[Volume]\n[Service]\nTimeoutStartSec=5\n[Install]\nWantedBy=multi-user.target\n',
    has: ['Unit|Description|the data', 'Service|TimeoutStartSec|5', 'Install|WantedBy|multi-user.target'],
  },
  {
    name: 'Copy=true is refused',
    file: 'd.volume',
    text: '[Volume]\nCopy=true\n',
    error: "2: Copy=true: ctrmon does not copy an image's content",
  },
  {
    name: 'another driver is refused',
    file: 'd.volume',
    text: '[Volume]\nDriver=nfs\n',
    error: "2: Driver=nfs: ctrmon's volumes are local directories",
  },
  { name: 'a bad name', file: 'd.volume', text: '[Volume]\nVolumeName=-x\n', error: '2: VolumeName=-x: a volume name is' },
  { name: 'a bad label', file: 'd.volume', text: '[Volume]\nLabel=nokey\n', error: '2: Label=nokey:' },
  { name: 'an empty file is a volume too', file: 'empty.volume', text: '', provides: 'systemd-empty' },
  {
    name: 'an unknown key names the supported ones',
    file: 'd.volume',
    text: '[Volume]\nColour=red\n',
    error: '2: unsupported key Colour= in [Volume] (supported: VolumeName, Label, Driver, Copy)',
  },
  {
    name: "ExecStart= is ctrmon's",
    file: 'd.volume',
    text: '[Volume]\n[Service]\nExecStart=/bin/true\n',
    error: "3: ExecStart= is ctrmon's (ctrmon volume)",
  },
  {
    name: 'Type= other than oneshot',
    file: 'd.volume',
    text: '[Volume]\n[Service]\nType=simple\n',
    error: '3: Type=simple: the unit is Type=oneshot',
  },
  ...refusedCases('d.volume'),
];

const IMAGES: Case[] = [
  {
    name: 'Image= is pulled by a oneshot that waits for the network; the container gets the reference',
    file: 'web.image',
    text: `[Image]\nImage=${REF}\n`,
    has: [...ONESHOT, 'Unit|Wants|network-online.target', 'Unit|After|network-online.target', 'Unit|RequiresMountsFor|/var/lib/ctrmon'],
    exec: [['pull', REF]],
    provides: REF,
  },
  {
    name: "the pull's options: AuthFile=, TLSVerify=, Retry=, RetryDelay=, Policy=always",
    file: 'web.image',
    text: `[Image]\nImage=${REF}\nAuthFile=/etc/auth.json\nTLSVerify=no\nRetry=2\nRetryDelay=3s\nPolicy=always\n`,
    exec: [['pull', '--authfile', '/etc/auth.json', '--tls-verify', 'false', '--retry', '2', '--retry-delay', '3s', REF]],
  },
  {
    name: 'TLSVerify=true is the default, written as nothing',
    file: 'w.image',
    text: `[Image]\nImage=${REF}\nTLSVerify=yes\n`,
    exec: [['pull', REF]],
  },
  {
    name: 'Arch= (podman spellings too), OS= and Variant= as --platform',
    file: 'web.image',
    text: `[Image]\nImage=${REF}\nArch=aarch64\nVariant=v8\n`,
    exec: [['pull', '--platform', 'linux/arm64/v8', REF]],
  },
  {
    name: "Arch= alone takes no variant from this machine's architecture",
    file: 'web.image',
    text: `[Image]\nImage=${REF}\nArch=amd64\n`,
    exec: [['pull', '--platform', 'linux/amd64', REF]],
  },
  {
    name: "Variant= alone is this machine's architecture with that variant",
    file: 'web.image',
    text: `[Image]\nImage=${REF}\nVariant=v9\n`,
    exec: [['pull', '--platform', `linux/${hostPlatform().architecture}/v9`, REF]],
  },
  {
    name: 'ImageTag= names the image the container runs: pulled, then tagged',
    file: 'web.image',
    text: `[Image]\nImage=${REF}\nImageTag=localhost/web:pinned\n`,
    exec: [
      ['pull', REF],
      ['tag', REF, 'localhost/web:pinned'],
    ],
    provides: 'localhost/web:pinned',
  },
  {
    name: 'a short name is normalised for the container',
    file: 'a.image',
    text: '[Image]\nImage=alpine\n',
    provides: 'docker.io/library/alpine:latest',
  },
  {
    name: 'a user manager has no network-online.target',
    file: 'web.image',
    text: `[Image]\nImage=${REF}\n`,
    user: true,
    lacks: ['Unit|Wants'],
  },
  { name: 'Image= is required', file: 'web.image', text: '[Image]\nArch=arm64\n', error: ' [Image] needs Image=' },
  { name: 'a bad reference', file: 'web.image', text: '[Image]\nImage=app@sha256:12\n', error: '2: Image=app@sha256:12:' },
  { name: 'a bad platform', file: 'web.image', text: `[Image]\nImage=${REF}\nArch=ARM\n`, error: ' invalid platform' },
  { name: 'a bad Retry=', file: 'web.image', text: `[Image]\nImage=${REF}\nRetry=many\n`, error: '3: Retry=many:' },
  {
    name: 'Policy=missing is refused',
    file: 'web.image',
    text: `[Image]\nImage=${REF}\nPolicy=missing\n`,
    error: '3: Policy=missing: `ctrmon pull` always asks',
  },
  ...refusedCases('web.image', `Image=${REF}\n`),
];

const NETWORKS: Case[] = [
  {
    name: 'a bare [Network] defines systemd-<name>, idempotently, in a oneshot that stays active',
    file: 'app.network',
    text: '[Network]\n',
    has: [...ONESHOT, `Unit|SourcePath|${DIR}/app.network`, 'Unit|RequiresMountsFor|/etc/ctrmon/networks'],
    lacks: ['Unit|Wants'],
    exec: [['network', 'create', '--ignore', 'systemd-app']],
    provides: 'systemd-app',
  },
  {
    name: "every key ctrmon takes, as `ctrmon network create`'s flags; each subnet with its gateway and range",
    file: 'app.network',
    text:
      '[Network]\nDriver=bridge\nIPAMDriver=host-local\nSubnet=10.89.7.0/24\nGateway=10.89.7.254\nIPRange=10.89.7.128/25\n' +
      'Subnet=fd00:7::/64\nInterfaceName=br-app\nInternal=yes\nDisableDNS=true\nIPv6=on\nLabel=tier=back\n' +
      'Options=mtu=1400 isolate=true\nNetworkDeleteOnStop=false\n',
    exec: [
      [
        'network',
        'create',
        '--ignore',
        '--subnet',
        '10.89.7.0/24',
        '--gateway',
        '10.89.7.254',
        '--ip-range',
        '10.89.7.128/25',
        '--subnet',
        'fd00:7::/64',
        '--interface-name',
        'br-app',
        '--internal',
        '--disable-dns',
        '--ipv6',
        '--label',
        'tier=back',
        '--opt',
        'mtu=1400',
        '--opt',
        'isolate=true',
        'systemd-app',
      ],
    ],
  },
  {
    name: 'NetworkName= names the network; false booleans are written as nothing',
    file: 'app.network',
    text: '[Network]\nNetworkName=appnet\nInternal=no\nDisableDNS=false\n',
    has: ['Unit|Description|ctrmon network appnet'],
    exec: [['network', 'create', '--ignore', 'appnet']],
    provides: 'appnet',
  },
  {
    name: "a user manager: the definitions in the user's configuration directory",
    file: 'app.network',
    text: '[Network]\n',
    user: true,
    has: ['Unit|RequiresMountsFor|/home/u/.config/ctrmon/networks'],
  },
  {
    name: 'a specifier in NetworkName= reaches the unit for systemd to expand',
    file: 'app.network',
    text: '[Network]\nNetworkName=app-%i\n',
    exec: [['network', 'create', '--ignore', 'app-%i']],
    provides: 'app-%i',
  },
  { name: 'a bad name', file: 'n.network', text: '[Network]\nNetworkName=-x\n', error: '2: NetworkName=-x: network -x: a network name is' },
  { name: 'a mode is not a name', file: 'n.network', text: '[Network]\nNetworkName=host\n', error: '2: NetworkName=host: network host:' },
  {
    name: 'another driver is refused',
    file: 'n.network',
    text: '[Network]\nDriver=macvlan\n',
    error: "2: Driver=macvlan: ctrmon's networks are netavark bridges",
  },
  {
    name: 'another IPAM driver is refused',
    file: 'n.network',
    text: '[Network]\nIPAMDriver=dhcp\n',
    error: '2: IPAMDriver=dhcp: ctrmon allocates the addresses itself',
  },
  { name: 'a bad subnet', file: 'n.network', text: '[Network]\nSubnet=10.89.7.0\n', error: '2: Subnet=10.89.7.0: not a network address' },
  { name: 'a bad gateway', file: 'n.network', text: '[Network]\nGateway=gw\n', error: '2: Gateway=gw: not an IP address' },
  {
    name: "podman's start-end IP range is refused",
    file: 'n.network',
    text: '[Network]\nSubnet=10.89.7.0/24\nIPRange=10.89.7.10-10.89.7.20\n',
    error: '3: IPRange=10.89.7.10-10.89.7.20: ctrmon takes an IP range as a subnet',
  },
  {
    name: 'a gateway without its subnet: checked as `ctrmon network create` checks it',
    file: 'n.network',
    text: '[Network]\nGateway=10.89.7.1\n',
    error: ' network systemd-n: a gateway needs the subnet it belongs to',
  },
  {
    name: 'a gateway outside its subnet',
    file: 'n.network',
    text: '[Network]\nSubnet=10.89.7.0/24\nGateway=10.89.8.1\n',
    error: ' network systemd-n: gateway 10.89.8.1 is not an address of subnet 10.89.7.0/24',
  },
  { name: 'a bad option', file: 'n.network', text: '[Network]\nOptions=mtu\n', error: '2: Options=mtu: expected KEY=VALUE' },
  { name: 'a bad boolean', file: 'n.network', text: '[Network]\nInternal=maybe\n', error: '2: Internal=maybe: expected a boolean' },
  {
    name: 'NetworkDeleteOnStop=true is refused',
    file: 'n.network',
    text: '[Network]\nNetworkDeleteOnStop=true\n',
    error: '2: NetworkDeleteOnStop=true: ctrmon keeps a network when its unit stops',
  },
  {
    name: "ExecStart= is ctrmon's",
    file: 'n.network',
    text: '[Network]\n[Service]\nExecStart=/bin/true\n',
    error: "3: ExecStart= is ctrmon's (ctrmon network)",
  },
  ...refusedCases('n.network'),
];

describe('.volume, .image and .network files and the units they give', () => {
  for (const [group, cases] of Object.entries({ VOLUMES, IMAGES, NETWORKS })) {
    describe(group.toLowerCase(), () => {
      for (const c of cases) test(c.name, () => check(c));
    });
  }
});

describe('a .container that names them', () => {
  const files: Record<string, string> = {
    'data.volume': '[Volume]\nVolumeName=appdata\n',
    'web.image': `[Image]\nImage=${REF}\nImageTag=localhost/web:pinned\n`,
    'bad.volume': '[Volume]\nDevice=/dev/sda1\n',
    'app.network': '[Network]\nSubnet=10.89.7.0/24\n',
    'named.network': '[Network]\nNetworkName=appnet\n',
  };
  const resource = (name: string) =>
    files[name] === undefined ? null : resourceToUnit(path.join(DIR, name), files[name], 'test', SYSTEM, COMMAND);
  const translate = (text: string) =>
    containerToUnit(path.join(DIR, 'web.container'), `[Container]\n${text}`, 'test', SYSTEM, COMMAND, {
      known: new Set(Object.keys(files)),
      resource,
    });
  const words = (text: string) =>
    splitWords(
      unitLines(text)
        .find((l) => l.startsWith('Service|ExecStart|'))!
        .slice(18),
      () => 'x',
    );

  test('Image=, Volume= and Mount= get what the files stand for, and the unit requires and follows theirs', () => {
    const unit = translate('Image=web.image\nVolume=data.volume:/data:ro\nMount=type=volume,source=data.volume,destination=/more\n');
    const lines = unitLines(unit.text);
    for (const line of [
      'Unit|Requires|web-image.service',
      'Unit|After|web-image.service',
      'Unit|Requires|data-volume.service',
      'Unit|After|data-volume.service',
    ])
      assert.ok(lines.includes(line), `${line} in\n${unit.text}`);
    assert.equal(lines.filter((l) => l === 'Unit|Requires|data-volume.service').length, 1, 'named twice, required once');
    const w = words(unit.text);
    for (const run of [
      ['--image', 'localhost/web:pinned'],
      ['--volume', 'appdata:/data:ro'],
      ['--volume', 'appdata:/more'],
    ])
      assert.ok(w.join(' ').includes(run.join(' ')), `${run.join(' ')} in ${w.join(' ')}`);
  });

  test("Network= gets the .network file's network, and the unit requires and follows its unit", () => {
    const unit = translate(`Image=${REF}\nNetwork=app.network\n`);
    const lines = unitLines(unit.text);
    for (const line of ['Unit|Requires|app-network.service', 'Unit|After|app-network.service'])
      assert.ok(lines.includes(line), `${line} in\n${unit.text}`);
    assert.ok(words(unit.text).join(' ').includes('--network systemd-app'), unit.text);
    assert.equal(unit.options.network, 'systemd-app');
    assert.equal(translate(`Image=${REF}\nNetwork=named.network\n`).options.network, 'appnet', "NetworkName='s name");
    assert.throws(() => translate(`Image=${REF}\nNetwork=gone.network\n`), {
      message: `${DIR}/web.container:3: Network=gone.network: gone.network: there is no gone.network in the Quadlet search directories`,
    });
  });

  test('a file that is not there, a bad file, a .build: errors naming the .container line and the cause', () => {
    assert.throws(() => translate('Image=web.image\nVolume=gone.volume:/d\n'), {
      message: `${DIR}/web.container:3: Volume=: gone.volume: there is no gone.volume in the Quadlet search directories`,
    });
    assert.throws(() => translate('Image=web.image\nVolume=bad.volume:/d\n'), {
      message: new RegExp(`^${DIR}/web.container:3: Volume=: ${DIR}/bad.volume:2: Device= is not supported`),
    });
    assert.throws(() => translate('Image=app.build\n'), {
      message: `${DIR}/web.container:2: Image=app.build: app.build: ctrmon does not build images`,
    });
  });
});

describe('the generator over .container, .volume, .image and .network files', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'ctrmon-quadlet-resources-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const host = (dir: string) => ({
    ...SYSTEM,
    paths: { ...SYSTEM.paths, searchDirs: [{ path: dir, podman: false }], podmanGenerators: [] },
  });

  test('each file its unit and links; a drop-in resets a list; a bad one makes nothing, the others are made', () => {
    const dir = path.join(work, 'quadlets');
    const out = path.join(work, 'out');
    mkdirSync(path.join(dir, 'data.volume.d'), { recursive: true });
    writeFileSync(path.join(dir, 'data.volume'), '[Volume]\nLabel=a=1\n[Install]\nWantedBy=multi-user.target\n');
    writeFileSync(path.join(dir, 'data.volume.d', '10-labels.conf'), '[Volume]\nLabel=\nLabel=b=2\n');
    writeFileSync(path.join(dir, 'web.image'), `[Image]\nImage=${REF}\n`);
    writeFileSync(path.join(dir, 'app.network'), '[Network]\n');
    writeFileSync(path.join(dir, 'web.container'), '[Container]\nImage=web.image\nVolume=data.volume:/data\nNetwork=app.network\n');
    writeFileSync(path.join(dir, 'lost.container'), '[Container]\nImage=web.image\nVolume=gone.volume:/data\n');
    writeFileSync(path.join(dir, 'x@.volume'), '[Volume]\n');
    const result = generateUnits(host(dir), out, 'test', COMMAND);
    assert.deepEqual(result.written.sort(), ['app-network.service', 'data-volume.service', 'web-image.service', 'web.service']);
    assert.equal(result.errors.length, 2, result.errors.join('\n'));
    assert.match(result.errors.join('\n'), /lost\.container:3: Volume=: gone\.volume: there is no gone\.volume/);
    assert.match(result.errors.join('\n'), /x@\.volume: a \.volume file cannot be a template/);
    assert.deepEqual(readdirSync(out).sort(), [
      'app-network.service',
      'data-volume.service',
      'multi-user.target.wants',
      'web-image.service',
      'web.service',
    ]);
    assert.match(readFileSync(path.join(out, 'web.service'), 'utf8'), /^Requires=app-network\.service$/m);
    assert.deepEqual(readdirSync(path.join(out, 'multi-user.target.wants')), ['data-volume.service']);
    const volume = readFileSync(path.join(out, 'data-volume.service'), 'utf8');
    assert.match(volume, /--label b=2 systemd-data$/m);
    assert.doesNotMatch(volume, /a=1/);
  });

  test("a .volume podman's generator owns is not one a ctrmon .container can name", () => {
    const ours = path.join(work, 'ours');
    const podmans = path.join(work, 'podmans');
    const generator = path.join(work, 'podman-system-generator');
    mkdirSync(ours);
    mkdirSync(podmans);
    writeFileSync(generator, '');
    writeFileSync(path.join(podmans, 'data.volume'), '[Volume]\n');
    writeFileSync(path.join(ours, 'web.container'), `[Container]\nImage=${REF}\nVolume=data.volume:/data\n`);
    const both = {
      ...SYSTEM,
      paths: {
        ...SYSTEM.paths,
        searchDirs: [
          { path: ours, podman: false },
          { path: podmans, podman: true },
        ],
        podmanGenerators: [generator],
      },
    };
    const result = generateUnits(both, path.join(work, 'out2'), 'test', COMMAND);
    assert.deepEqual(result.leftToPodman, [path.join(podmans, 'data.volume')]);
    assert.deepEqual(result.written, []);
    assert.match(result.errors.join('\n'), /there is no data\.volume/);
  });

  test('`ctrmon generate systemd --from` takes a .volume, .image or .network file, and a .container names its neighbours', () => {
    const dir = path.join(work, 'from');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'data.volume'), '[Volume]\n');
    writeFileSync(path.join(dir, 'app.network'), '[Network]\nNetworkName=appnet\n');
    writeFileSync(path.join(dir, 'web.container'), `[Container]\nImage=${REF}\nVolume=data.volume:/data\nNetwork=app.network\n`);
    const run = (file: string) =>
      spawnSync(process.execPath, [packagePath('bin', 'ctrmon.js'), 'generate', 'systemd', '--from', path.join(dir, file)], {
        encoding: 'utf8',
      });
    const volume = run('data.volume');
    assert.equal(volume.status, 0, volume.stderr);
    assert.match(volume.stdout, /volume create --ignore systemd-data$/m);
    const network = run('app.network');
    assert.equal(network.status, 0, network.stderr);
    assert.match(network.stdout, /network create --ignore appnet$/m);
    const web = run('web.container');
    assert.equal(web.status, 0, web.stderr);
    assert.match(web.stdout, /^Requires=data-volume\.service$/m);
    assert.match(web.stdout, /--volume systemd-data:\/data/);
    assert.match(web.stdout, /^Requires=app-network\.service$/m);
    assert.match(web.stdout, /--network appnet/);
  });
});
