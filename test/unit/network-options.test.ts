// The network options of `ctrmon monitor` (src/config/network-values.ts and their entries in
// src/config/monitor-options.ts): --network's modes and the refused ones, what needs a network of
// its own, --publish alone meaning bridge, each option parsed and written back into the arguments
// a unit's ExecStart carries, and an image's default (host) left out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { type RawMonitorOptions, attributeOf, buildMonitorOptions, monitorArgs } from '../../src/config/monitor-options';
import { type NetworkUses, checkAddress, checkAlias, checkNetworkMode, isBridged, networkMode } from '../../src/config/network-values';
import { describeHost } from '../../src/host/host';

/** Root's host, whose defaults these are. */
const HOST = describeHost({}, 0);
const IMAGE = 'localhost/app:1';
const NO_USES: NetworkUses = {};

const bundle = (raw: RawMonitorOptions) => buildMonitorOptions('web', [], { bundle: '/b', ...raw }, HOST);
const refusedFor = (raw: RawMonitorOptions, message: RegExp) => assert.throws(() => bundle(raw), { code: 'ERR_INVALID_OPTION', message });

/** `ctrmon monitor`'s arguments as the raw options commander would give (every flag's values in order). */
function rawOf(args: string[]): RawMonitorOptions {
  const raw: Record<string, string[]> = {};
  for (let i = 0; i < args.length; i += 2) {
    const key = attributeOf(args[i]);
    raw[key] = [...(raw[key] ?? []), args[i + 1]];
  }
  return raw;
}

describe('--network values', () => {
  test('host, none, bridge and a network name are taken as they are', () => {
    for (const mode of ['host', 'none', 'bridge', 'podman', 'my-net.1_a']) assert.equal(checkNetworkMode(mode), mode);
  });

  test("podman's modes one container per unit cannot have are refused, saying why", () => {
    for (const mode of ['container:db', 'ns:/run/netns/x']) {
      assert.throws(() => checkNetworkMode(mode), {
        code: 'ERR_INVALID_OPTION',
        message: new RegExp(`^--network "${mode}": a unit's container would join a namespace that another unit's restart`),
      });
    }
    for (const mode of ['pasta', 'pasta:-T,8080', 'slirp4netns', 'slirp4netns:port_handler=slirp4netns', 'private']) {
      assert.throws(() => checkNetworkMode(mode), {
        code: 'ERR_INVALID_OPTION',
        message: new RegExp(`^--network "${mode}": rootful ctrmon's networks are netavark bridges: use bridge or a network's name$`),
      });
    }
    for (const mode of ['', 'a/b', '-net', 'two words']) {
      assert.throws(() => checkNetworkMode(mode), { message: /: expected host, none, bridge or a network's name$/ }, mode);
    }
  });

  test('isBridged: bridge and a name are networks ctrmon sets up; host, none and the source’s own are not', () => {
    assert.deepEqual(['bridge', 'web', 'host', 'none', undefined].map(isBridged), [true, true, false, false, false]);
  });

  test('--ip and --ip6 take their family; --network-alias a DNS name', () => {
    assert.equal(checkAddress('--ip', '10.89.0.5'), '10.89.0.5');
    assert.equal(checkAddress('--ip6', 'fd00::5'), 'fd00::5');
    assert.throws(() => checkAddress('--ip', 'fd00::5'), { code: 'ERR_INVALID_OPTION', message: /^--ip "fd00::5": not an IPv4 address$/ });
    assert.throws(() => checkAddress('--ip6', '10.89.0.5'), { message: /^--ip6 "10\.89\.0\.5": not an IPv6 address$/ });
    assert.throws(() => checkAddress('--ip', '10.89.0'), { message: /^--ip "10\.89\.0": not an IPv4 address$/ });
    assert.equal(checkAlias('db.local'), 'db.local');
    for (const alias of ['-db', 'db-', 'd_b', '']) {
      assert.throws(() => checkAlias(alias), { code: 'ERR_INVALID_OPTION', message: /^--network-alias ".*": not a DNS name$/ }, alias);
    }
  });
});

describe('the mode the options give', () => {
  test('--publish alone is bridge; nothing given stays the source’s own; a network takes everything', () => {
    assert.equal(networkMode(undefined, { ...NO_USES, '--publish': ['8080:80'] }), 'bridge');
    assert.equal(networkMode(undefined, NO_USES), undefined);
    assert.equal(networkMode('none', NO_USES), 'none');
    assert.equal(
      networkMode('web', { '--publish': ['80'], '--ip': ['10.89.0.5'], '--network-alias': ['db'], '--dns': ['192.0.2.53'] }),
      'web',
    );
    assert.equal(networkMode('none', { ...NO_USES, '--dns': ['192.0.2.53'] }), 'none', 'none may have a resolv.conf of its own');
  });

  test('what needs a network of its own is refused with host, none or none given, naming the option', () => {
    const refusals: [string | undefined, NetworkUses, RegExp][] = [
      ['host', { '--publish': ['8080:80'] }, /^--publish "8080:80": needs a network of its own to map \(--network host\)$/],
      ['none', { '--publish': ['80', '81'] }, /^--publish "80": needs a network of its own to map \(--network none\)$/],
      ['none', { '--ip': ['10.89.0.5'] }, /^--ip "10\.89\.0\.5": is an address on a bridge network \(--network none\)$/],
      [undefined, { '--ip': ['10.89.0.5'] }, /^--ip "10\.89\.0\.5": is an address on a bridge network \(--network is the source's own\)$/],
      [undefined, { '--network-alias': ['db'] }, /^--network-alias "db": is a name on a bridge network \(--network is the source's own\)$/],
      [
        'host',
        { '--dns': ['192.0.2.53'] },
        /^--dns "192\.0\.2\.53": has no effect: with --network host the container uses the host's resolv\.conf/,
      ],
    ];
    for (const [mode, uses, message] of refusals) {
      assert.throws(() => networkMode(mode, { ...NO_USES, ...uses }), { code: 'ERR_INVALID_OPTION', message }, String(message));
    }
  });
});

describe('the network options of ctrmon monitor', () => {
  test('--publish alone puts a bundle on bridge, with the host’s networks directory', () => {
    const o = bundle({ publish: ['8080:80'] });
    assert.equal(o.network, 'bridge');
    assert.deepEqual(o.publish, ['8080:80']);
    assert.equal(o.networksDir, HOST.paths.networksDir);
    assert.equal(o.networksDir, '/etc/ctrmon/networks');
    assert.deepEqual(monitorArgs(o, HOST), [
      'monitor',
      '--bundle',
      '/b',
      '--network',
      'bridge',
      '--publish',
      '8080:80',
      '--sdnotify',
      'conmon',
      'web',
    ]);
  });

  test('without a network of its own, no networks directory and no network options', () => {
    for (const network of [undefined, 'none', 'host']) {
      const o = bundle({ network });
      assert.equal(o.network, network);
      assert.equal(o.networksDir, undefined, String(network));
      assert.deepEqual([o.publish, o.expose, o.ips, o.networkAliases, o.addHosts], [[], [], [], [], []]);
      assert.deepEqual(o.dns, { servers: [], search: [], options: [] });
    }
  });

  const BRIDGED: RawMonitorOptions = {
    network: 'web-net',
    publish: ['8080:80', '127.0.0.1::53/udp', '[fd00::1]:8443:443/tcp,udp'],
    expose: ['9000-9009/tcp'],
    ip: '10.89.0.5',
    ip6: 'fd00:1::5',
    networkAlias: ['db', 'db.local'],
    dns: ['192.0.2.53', 'FD00::53'],
    dnsSearch: ['corp.example'],
    dnsOption: ['ndots:2'],
    addHost: ['gw:host-gateway', 'a;b:10.0.0.5'],
    networksDir: '/srv/networks',
  };

  test('a bridged container: every option parsed and checked', () => {
    const o = bundle(BRIDGED);
    assert.equal(o.network, 'web-net');
    assert.deepEqual(o.publish, ['8080:80', '127.0.0.1::53/udp', '[fd00::1]:8443:443/tcp,udp']);
    assert.deepEqual(o.expose, ['9000-9009/tcp']);
    assert.deepEqual(o.ips, ['10.89.0.5', 'fd00:1::5']);
    assert.deepEqual(o.networkAliases, ['db', 'db.local']);
    assert.deepEqual(o.dns, { servers: ['192.0.2.53', 'fd00::53'], search: ['corp.example'], options: ['ndots:2'] });
    assert.deepEqual(o.addHosts, ['gw:host-gateway', 'a;b:10.0.0.5']);
    assert.equal(o.networksDir, '/srv/networks');
  });

  test("a bridged container's arguments round-trip: parsed again they give the same options", () => {
    const o = buildMonitorOptions('web', ['serve', '--port', '80'], { bundle: '/b', ...BRIDGED }, HOST);
    const args = monitorArgs(o, HOST);
    assert.deepEqual(args, [
      'monitor',
      '--bundle',
      '/b',
      '--network',
      'web-net',
      '--publish',
      '8080:80',
      '--publish',
      '127.0.0.1::53/udp',
      '--publish',
      '[fd00::1]:8443:443/tcp,udp',
      '--expose',
      '9000-9009/tcp',
      '--ip',
      '10.89.0.5',
      '--ip6',
      'fd00:1::5',
      '--network-alias',
      'db',
      '--network-alias',
      'db.local',
      '--dns',
      '192.0.2.53',
      '--dns',
      'fd00::53',
      '--dns-search',
      'corp.example',
      '--dns-option',
      'ndots:2',
      '--add-host',
      'gw:host-gateway',
      '--add-host',
      'a;b:10.0.0.5',
      '--networks-dir',
      '/srv/networks',
      '--sdnotify',
      'conmon',
      'web',
      'serve',
      '--port',
      '80',
    ]);
    const again = buildMonitorOptions('web', ['serve', '--port', '80'], rawOf(args.slice(1, -4)), HOST);
    assert.deepEqual(again, o);
    const atDefault = bundle({ ...BRIDGED, networksDir: HOST.paths.networksDir });
    assert.equal(monitorArgs(atDefault, HOST).includes('--networks-dir'), false, 'the default directory is left out');
    assert.deepEqual(bundle(rawOf(monitorArgs(atDefault, HOST).slice(3, -1))), atDefault);
  });

  test("an image's --network host is its default: left out of the options and the arguments", () => {
    const o = buildMonitorOptions('web', [], { image: IMAGE, network: 'host', addHost: ['db:10.0.0.5'] }, HOST);
    assert.equal(o.network, undefined);
    assert.equal(o.networksDir, undefined);
    assert.deepEqual(monitorArgs(o, HOST), ['monitor', '--image', IMAGE, '--add-host', 'db:10.0.0.5', '--sdnotify', 'conmon', 'web']);
    const published = buildMonitorOptions('web', [], { image: IMAGE, publish: ['8080:80'] }, HOST);
    assert.deepEqual([published.network, published.networksDir], ['bridge', HOST.paths.networksDir]);
    assert.equal(buildMonitorOptions('web', [], { image: IMAGE, network: 'none' }, HOST).network, 'none');
  });

  test('refusals through the options: two networks, options a mode cannot use, wrong values', () => {
    refusedFor({ network: ['a', 'b'] }, /^--network "a,b": ctrmon connects a container to one network \(podman joins several\): give one$/);
    refusedFor({ network: 'host', publish: ['8080:80'] }, /^--publish "8080:80": needs a network of its own to map \(--network host\)$/);
    refusedFor({ network: 'none', publish: ['8080:80'] }, /^--publish "8080:80": needs a network of its own to map \(--network none\)$/);
    refusedFor({ network: 'host', dns: ['192.0.2.53'] }, /^--dns "192\.0\.2\.53": has no effect: with --network host/);
    refusedFor({ ip: '10.89.0.5' }, /^--ip "10\.89\.0\.5": is an address on a bridge network \(--network is the source's own\)$/);
    refusedFor({ network: 'none', ip6: 'fd00::5' }, /"fd00::5": is an address on a bridge network \(--network none\)$/);
    refusedFor({ network: 'host', dnsOption: ['ndots:2'] }, /"ndots:2": has no effect: with --network host/);
    refusedFor({ network: 'host', networkAlias: ['db'] }, /^--network-alias "db": is a name on a bridge network \(--network host\)$/);
    refusedFor({ network: 'pasta' }, /^--network "pasta": rootful ctrmon's networks are netavark bridges/);
    refusedFor({ network: 'container:db' }, /^--network "container:db": a unit's container would join a namespace/);
    refusedFor({ publish: ['80/sctp'] }, /^--publish "80\/sctp": protocol "sctp"/);
    refusedFor({ expose: ['0'] }, /^--expose "0": port 0 is outside 1-65535$/);
    refusedFor({ network: 'bridge', ip: 'fd00::5' }, /^--ip "fd00::5": not an IPv4 address$/);
    refusedFor({ network: 'bridge', ip6: '10.89.0.5' }, /^--ip6 "10\.89\.0\.5": not an IPv6 address$/);
    refusedFor({ network: 'bridge', networkAlias: ['-db'] }, /^--network-alias "-db": not a DNS name$/);
    refusedFor({ network: 'bridge', dns: ['dns.example'] }, /^--dns "dns\.example": not an IP address$/);
    refusedFor({ addHost: ['db:nonsense'] }, /^--add-host "db:nonsense": "nonsense" is not an IP address or host-gateway$/);
  });

  test("--dns for an image without --network is refused as with host: an image's default is the host's network", () => {
    assert.throws(() => buildMonitorOptions('web', [], { image: 'localhost/app:1', dns: ['192.0.2.53'] }, HOST), {
      message: /^--dns "192\.0\.2\.53": has no effect: with --network host .*\(--network host\)$/,
    });
    assert.deepEqual(buildMonitorOptions('web', [], { image: 'localhost/app:1', network: 'none', dns: ['192.0.2.53'] }, HOST).dns.servers, [
      '192.0.2.53',
    ]);
  });

  test('a refusal names the flag that was given', () => {
    refusedFor({ network: 'none', ip6: 'fd00::5' }, /^--ip6 "fd00::5": is an address on a bridge network \(--network none\)$/);
    refusedFor({ network: 'host', dnsSearch: ['corp.example'] }, /^--dns-search "corp\.example": has no effect/);
    refusedFor({ network: 'host', dnsOption: ['ndots:2'] }, /^--dns-option "ndots:2": has no effect/);
  });
});
