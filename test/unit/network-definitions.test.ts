// Network definitions in podman's JSON (src/network/definition.ts) and their store
// (src/network/store.ts): podman's defaults for a new network (the lowest free 10.89.N.0/24 and
// podmanN), given subnets, gateways and IP ranges, IPv6, the refusals; the built-in default
// network, which a stored podman.json replaces; create, find, list and remove.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { parseSubnet, formatSubnet } from '../../src/network/address';
import {
  BUILTIN_DEFAULT,
  type NetworkDefinition,
  type NetworkRequest,
  checkDefinition,
  checkNetworkName,
  defineNetwork,
} from '../../src/network/definition';
import { createNetwork, findNetwork, listNetworks, removeNetwork, saveNetwork } from '../../src/network/store';

const root = mkdtempSync(path.join(tmpdir(), 'ctrmon-network-definitions-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
/** A fresh networks directory (not made: the store makes it). */
const networksDir = () => path.join(root, `networks-${++dirs}`);

const request = (r: Partial<NetworkRequest> = {}): NetworkRequest => ({
  name: 'web',
  subnets: [],
  gateways: [],
  ipRanges: [],
  internal: false,
  disableDns: false,
  ipv6: false,
  driver: 'bridge',
  labels: {},
  options: {},
  ...r,
});

/** A stored network of one subnet and a bridge. */
const existing = (name: string, subnet: string, bridge: string): NetworkDefinition => ({
  ...BUILTIN_DEFAULT,
  name,
  network_interface: bridge,
  subnets: [{ subnet, gateway: subnet.replace(/0\/\d+$/, '1') }],
});

/** text as a regular expression's literal part. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const define = (r: Partial<NetworkRequest>, others: NetworkDefinition[] = []) => defineNetwork(request(r), others);
const refused = (r: Partial<NetworkRequest>, message: RegExp, others: NetworkDefinition[] = []) =>
  assert.throws(() => define(r, others), { code: 'ERR_NETWORK', message });

describe('the built-in default network', () => {
  test("podman's: podman, bridge podman0, 10.88.0.0/16 with gateway 10.88.0.1, no DNS", () => {
    assert.equal(BUILTIN_DEFAULT.name, 'podman');
    assert.equal(BUILTIN_DEFAULT.driver, 'bridge');
    assert.equal(BUILTIN_DEFAULT.network_interface, 'podman0');
    assert.deepEqual(BUILTIN_DEFAULT.subnets, [{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }]);
    assert.deepEqual([BUILTIN_DEFAULT.dns_enabled, BUILTIN_DEFAULT.ipv6_enabled, BUILTIN_DEFAULT.internal], [false, false, false]);
    assert.match(BUILTIN_DEFAULT.id, /^[0-9a-f]{64}$/);
    assert.deepEqual(BUILTIN_DEFAULT.ipam_options, { driver: 'host-local' });
  });
});

describe('defineNetwork', () => {
  test("podman's defaults for a new network: 10.89.0.0/24, podman1, DNS on", () => {
    const before = Date.now();
    const n = define({}, [BUILTIN_DEFAULT]);
    assert.equal(n.name, 'web');
    assert.equal(n.driver, 'bridge');
    assert.equal(n.network_interface, 'podman1');
    assert.deepEqual(n.subnets, [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }]);
    assert.deepEqual([n.dns_enabled, n.ipv6_enabled, n.internal], [true, false, false]);
    assert.deepEqual(n.ipam_options, { driver: 'host-local' });
    assert.match(n.id, /^[0-9a-f]{64}$/);
    assert.notEqual(n.id, define({}).id, 'a new id each time');
    const created = Date.parse(n.created);
    assert.ok(created >= before - 1000 && created <= Date.now() + 1000, n.created);
    assert.equal('labels' in n, false, 'no empty labels');
    assert.equal('options' in n, false, 'no empty options');
  });

  test('the lowest free 10.89.N.0/24 and podmanN, past the ones the existing networks have', () => {
    const others = [BUILTIN_DEFAULT, existing('a', '10.89.0.0/24', 'podman1'), existing('b', '10.89.2.0/24', 'podman3')];
    const n = define({}, others);
    assert.deepEqual(n.subnets, [{ subnet: '10.89.1.0/24', gateway: '10.89.1.1' }]);
    assert.equal(n.network_interface, 'podman2');
    const wide = define({}, [existing('wide', '10.89.0.0/20', 'br-wide')]);
    assert.deepEqual(wide.subnets, [{ subnet: '10.89.16.0/24', gateway: '10.89.16.1' }], 'after one that covers sixteen');
    assert.equal(wide.network_interface, 'podman1');
    refused({}, /^network web: every 10\.89\.N\.0\/24 is taken: give --subnet$/, [existing('all', '10.89.0.0/16', 'br-all')]);
  });

  test('a given subnet, gateway and IP range; labels, options, internal and no DNS as asked', () => {
    const n = define({
      subnets: ['10.90.0.0/24'],
      gateways: ['10.90.0.254'],
      ipRanges: ['10.90.0.128/25'],
      internal: true,
      disableDns: true,
      interfaceName: 'br-web',
      labels: { team: 'a' },
      options: { mtu: '1400' },
    });
    assert.deepEqual(n.subnets, [
      { subnet: '10.90.0.0/24', gateway: '10.90.0.254', lease_range: { start_ip: '10.90.0.128', end_ip: '10.90.0.255' } },
    ]);
    assert.equal(n.network_interface, 'br-web');
    assert.deepEqual([n.internal, n.dns_enabled], [true, false]);
    assert.deepEqual(n.labels, { team: 'a' });
    assert.deepEqual(n.options, { mtu: '1400' });
    assert.deepEqual(define({ subnets: ['10.90.0.0/30'] }).subnets, [{ subnet: '10.90.0.0/30', gateway: '10.90.0.1' }], 'the smallest');
    assert.deepEqual(define({ subnets: ['FD00:0::/64'], gateways: ['fd00:0::fe'] }).subnets.at(-1), {
      subnet: 'fd00::/64',
      gateway: 'fd00::fe',
    });
  });

  test('IPv6: a unique local /64 of the name beside 10.89.0.0/24, or only the given v6 subnet', () => {
    const n = define({ ipv6: true });
    assert.equal(n.ipv6_enabled, true);
    assert.equal(n.subnets.length, 2);
    assert.deepEqual(n.subnets[0], { subnet: '10.89.0.0/24', gateway: '10.89.0.1' });
    const ula = parseSubnet(n.subnets[1].subnet);
    assert.equal(ula?.family, 6, n.subnets[1].subnet);
    assert.equal(ula!.prefix, 64);
    assert.equal(ula!.base >> 120n, 0xfdn, 'in fd00::/8');
    assert.equal(ula!.base & ((1n << 80n) - 1n), 0n, 'a /48 of its own, subnet 0');
    assert.deepEqual(parseSubnet(`${n.subnets[1].gateway}/128`)?.base, ula!.base + 1n, 'the gateway is ::1 of it');
    assert.deepEqual(define({ ipv6: true }).subnets[1], n.subnets[1], 'the same name, the same subnet');
    assert.notDeepEqual(define({ name: 'db', ipv6: true }).subnets[1], n.subnets[1], 'another name, another subnet');
    assert.equal(n.subnets[1].subnet, formatSubnet(ula!), 'written as every other subnet is');
    assert.deepEqual(
      define({ subnets: ['fd00:3::/64'] }).subnets,
      [{ subnet: 'fd00:3::/64', gateway: 'fd00:3::1' }],
      'subnets given are all of them',
    );
    const only = define({ ipv6: true, subnets: ['fd00:1::/64'] });
    assert.deepEqual(only.subnets, [{ subnet: 'fd00:1::/64', gateway: 'fd00:1::1' }]);
    assert.equal(only.ipv6_enabled, true);
  });

  test('wrong subnets, gateways and IP ranges refused, naming them', () => {
    refused({ subnets: ['10.90.0.5/24'] }, /^network web: subnet "10\.90\.0\.5\/24" is not a network address with a prefix/);
    refused({ subnets: ['10.90.0.0/31'] }, /^network web: subnet 10\.90\.0\.0\/31 is too small for a gateway and a container$/);
    refused({ subnets: ['fd00::/127'] }, /^network web: subnet fd00::\/127 is too small/);
    refused(
      { subnets: ['10.90.0.0/24'], gateways: ['10.91.0.1'] },
      /^network web: gateway 10\.91\.0\.1 is not an address of subnet 10\.90\.0\.0\/24$/,
    );
    refused({ subnets: ['10.90.0.0/24'], gateways: ['fd00::1'] }, /gateway fd00::1 is not an address of subnet 10\.90\.0\.0\/24/);
    refused({ subnets: ['10.90.0.0/24'], gateways: ['gw'] }, /gateway gw is not an address of subnet/);
    refused(
      { subnets: ['10.90.0.0/24'], ipRanges: ['10.91.0.0/25'] },
      /^network web: IP range 10\.91\.0\.0\/25 is not a subnet within 10\.90\.0\.0\/24$/,
    );
    refused({ subnets: ['10.90.0.0/24'], ipRanges: ['10.90.0.0/23'] }, /IP range 10\.90\.0\.0\/23 is not a subnet within/);
    refused({ subnets: ['10.90.0.0/24'], ipRanges: ['fd00::/64'] }, /IP range fd00::\/64 is not a subnet within/);
    refused({ subnets: ['10.90.0.0/24'], ipRanges: ['10.90.0.1/25'] }, /IP range 10\.90\.0\.1\/25 is not a subnet within/);
    refused({ gateways: ['10.89.0.1'] }, /^network web: a gateway needs the subnet it belongs to$/);
    refused(
      { subnets: ['10.90.0.0/24'], ipRanges: ['10.90.0.0/25', '10.90.0.128/25'] },
      /^network web: an IP range needs the subnet it belongs to$/,
    );
  });

  test("a subnet that overlaps another network's, and a bridge another network has, are refused", () => {
    refused({ subnets: ['10.88.5.0/24'] }, /^network web: subnet 10\.88\.5\.0\/24 overlaps network podman's$/, [BUILTIN_DEFAULT]);
    refused({ subnets: ['10.0.0.0/8'] }, /subnet 10\.0\.0\.0\/8 overlaps network podman's/, [BUILTIN_DEFAULT]);
    refused({ interfaceName: 'podman0' }, /^network web: bridge podman0 is network podman's$/, [BUILTIN_DEFAULT]);
    refused({ interfaceName: 'a-bridge-name-too-long' }, /^network web: interface name "a-bridge-name-too-long": 1-15 of/);
    refused({ interfaceName: 'br/x' }, /interface name "br\/x"/);
  });

  test('names: a network mode, a bad name, a name taken, a driver other than bridge', () => {
    for (const mode of ['bridge', 'host', 'none'])
      refused({ name: mode }, new RegExp(`^network ${mode}: "${mode}" is a network mode, not a name`));
    for (const name of ['', '-web', '.web', 'a/b', 'web net', 'x'.repeat(129)]) {
      refused({ name }, /: a network name is 1-128 of \[a-zA-Z0-9_\.-\], starting with a letter or digit$/);
    }
    assert.equal(checkNetworkName(`a${'_.-9'.repeat(31)}xyz`), `a${'_.-9'.repeat(31)}xyz`, '128 characters');
    refused({ name: 'podman' }, /^network podman: a network of this name exists$/, [BUILTIN_DEFAULT]);
    refused({ driver: 'macvlan' }, /^network web: driver macvlan: ctrmon's networks are netavark bridges \(driver bridge\)$/);
  });
});

describe('checkDefinition', () => {
  test('a stored definition, its flags made booleans and its IPAM host-local', () => {
    const stored = {
      name: 'db',
      driver: 'bridge',
      network_interface: 'podman4',
      subnets: [{ subnet: '10.89.4.0/24' }],
      ipam_options: { driver: 'dhcp' },
    };
    assert.deepEqual(checkDefinition(stored, 'db.json'), {
      ...stored,
      ipv6_enabled: false,
      internal: false,
      dns_enabled: false,
      ipam_options: { driver: 'host-local' },
    });
    assert.equal(checkDefinition({ ...stored, dns_enabled: 1 }, 'db.json').dns_enabled, true);
  });

  test('what netavark and the allocator could not use is refused, naming the file and the field', () => {
    const good = { name: 'db', driver: 'bridge', network_interface: 'podman4', subnets: [{ subnet: '10.89.4.0/24' }] };
    const bad: [unknown, RegExp][] = [
      [null, /^network definition \/n\/db\.json: not a JSON object$/],
      ['db', /: not a JSON object$/],
      [{ ...good, name: undefined }, /: no valid "name"$/],
      [{ ...good, name: 'a/b' }, /: no valid "name"$/],
      [{ ...good, driver: 'macvlan' }, /: driver "macvlan": ctrmon runs bridge networks only$/],
      [{ ...good, driver: undefined }, /: driver undefined: ctrmon runs bridge networks only$/],
      [{ ...good, network_interface: 'a-bridge-name-too-long' }, /: no valid "network_interface"$/],
      [{ ...good, subnets: [] }, /: no valid "subnets"$/],
      [{ ...good, subnets: 'x' }, /: no valid "subnets"$/],
      [{ ...good, subnets: [{ subnet: '10.89.4.1/24' }] }, /: no valid "subnets"$/],
      [{ ...good, subnets: [null] }, /: no valid "subnets"$/],
      [
        { ...good, subnets: [{ subnet: '10.89.4.0/24', gateway: 'junk' }] },
        /: subnet 10\.89\.4\.0\/24: "gateway" "junk" is not an address of it$/,
      ],
      [{ ...good, subnets: [{ subnet: '10.89.4.0/24', gateway: '10.89.5.1' }] }, /: "gateway" "10\.89\.5\.1" is not an address of it$/],
      [
        { ...good, subnets: [{ subnet: '10.89.4.0/24', lease_range: { start_ip: '10.89.4.9', end_ip: 'x' } }] },
        /: subnet 10\.89\.4\.0\/24: "lease_range" is not a range of its addresses$/,
      ],
    ];
    for (const [value, message] of bad) {
      assert.throws(() => checkDefinition(value, '/n/db.json'), { code: 'ERR_NETWORK', message }, JSON.stringify(value));
    }
  });
});

describe('the store', () => {
  test('an empty or missing directory holds only the built-in default', () => {
    assert.deepEqual(listNetworks(networksDir()), [BUILTIN_DEFAULT]);
    assert.deepEqual(findNetwork(networksDir(), 'podman'), BUILTIN_DEFAULT);
    assert.deepEqual(findNetwork(networksDir(), 'bridge'), BUILTIN_DEFAULT, 'bridge is the default network');
  });

  test("createNetwork stores podman's JSON; the next one avoids its subnet and bridge; list sorts by name", () => {
    const dir = networksDir();
    const web = createNetwork(dir, request({ name: 'web' }), false);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'web.json'), 'utf8')), web);
    assert.deepEqual(web.subnets, [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }]);
    const db = createNetwork(dir, request({ name: 'db' }), false);
    assert.deepEqual([db.subnets[0].subnet, db.network_interface], ['10.89.1.0/24', 'podman2']);
    assert.deepEqual(
      listNetworks(dir).map((n) => n.name),
      ['db', 'podman', 'web'],
    );
    assert.deepEqual(findNetwork(dir, 'web'), web);
    assert.throws(() => createNetwork(dir, request({ name: 'db2', subnets: ['10.88.1.0/24'] }), false), {
      code: 'ERR_NETWORK',
      message: /^network db2: subnet 10\.88\.1\.0\/24 overlaps network podman's$/,
    });
    assert.throws(() => createNetwork(dir, request({ name: 'db3', subnets: ['10.89.1.128/25'] }), false), {
      message: /^network db3: subnet 10\.89\.1\.128\/25 overlaps network db's$/,
    });
    assert.equal(existsSync(path.join(dir, 'db2.json')) || existsSync(path.join(dir, 'db3.json')), false, 'nothing stored for a refusal');
  });

  test('a name taken: refused, or with ignore the stored one as it is', () => {
    const dir = networksDir();
    const web = createNetwork(dir, request({ name: 'web' }), false);
    assert.throws(() => createNetwork(dir, request({ name: 'web' }), false), {
      code: 'ERR_NETWORK',
      message: /^network web: a network of this name exists$/,
    });
    assert.deepEqual(createNetwork(dir, request({ name: 'web', subnets: ['10.99.0.0/24'] }), true), web);
    assert.deepEqual(createNetwork(dir, request({ name: 'podman' }), true), BUILTIN_DEFAULT, 'the built-in one too');
    assert.equal(existsSync(path.join(dir, 'podman.json')), false, 'which stays built in');
    assert.deepEqual(
      listNetworks(dir).map((n) => n.name),
      ['podman', 'web'],
    );
  });

  test('an unknown name is one clear line naming the directory; a path is no name', () => {
    const dir = networksDir();
    createNetwork(dir, request({ name: 'web' }), false);
    const unknown = new RegExp(`^no such network nope \\(ctrmon network ls lists them; ${literal(dir)} holds their definitions\\)$`);
    assert.throws(() => findNetwork(dir, 'nope'), { code: 'ERR_NETWORK', message: unknown });
    writeFileSync(path.join(root, 'outside.json'), JSON.stringify(existing('outside', '10.77.0.0/24', 'br-out')));
    assert.throws(() => findNetwork(dir, '../outside'), { message: /^no such network \.\.\/outside / });
  });

  test('a stored podman.json replaces the default, for bridge too; removing it brings the built-in one back', () => {
    const dir = networksDir();
    const mine = existing('podman', '10.77.0.0/16', 'podman0');
    saveNetwork(dir, mine);
    assert.deepEqual(findNetwork(dir, 'bridge').subnets, [{ subnet: '10.77.0.0/16', gateway: '10.77.0.1' }]);
    assert.deepEqual(findNetwork(dir, 'podman'), checkDefinition(mine, 'podman.json'));
    assert.deepEqual(
      listNetworks(dir).map((n) => n.subnets[0].subnet),
      ['10.77.0.0/16'],
      'one default, the stored one',
    );
    assert.deepEqual(
      createNetwork(dir, request({ name: 'web', subnets: ['10.88.0.0/24'] }), false).subnets[0].subnet,
      '10.88.0.0/24',
      '10.88 is free now',
    );
    removeNetwork(dir, 'podman');
    assert.deepEqual(findNetwork(dir, 'bridge'), BUILTIN_DEFAULT);
  });

  test('removeNetwork removes a stored one; the built-in default and an unknown name are refused', () => {
    const dir = networksDir();
    createNetwork(dir, request({ name: 'web' }), false);
    removeNetwork(dir, 'web');
    assert.equal(existsSync(path.join(dir, 'web.json')), false);
    assert.deepEqual(listNetworks(dir), [BUILTIN_DEFAULT]);
    assert.throws(() => removeNetwork(dir, 'web'), { code: 'ERR_NETWORK', message: /^cannot remove network web: no such network$/ });
    assert.throws(() => removeNetwork(dir, 'podman'), {
      code: 'ERR_NETWORK',
      message: /^cannot remove network podman: the default network is built in$/,
    });
    assert.throws(() => removeNetwork(dir, '../x'), { code: 'ERR_NETWORK', message: /^network \.\.\/x: a network name is 1-128/ });
  });

  test('a broken definition in the directory is refused naming its file; other files are not definitions', () => {
    const dir = networksDir();
    createNetwork(dir, request({ name: 'web' }), false);
    writeFileSync(path.join(dir, 'notes.txt'), 'not a network');
    assert.deepEqual(
      listNetworks(dir).map((n) => n.name),
      ['podman', 'web'],
    );
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"name": ');
    assert.throws(() => listNetworks(dir), {
      code: 'ERR_NETWORK',
      message: new RegExp(`^network definition ${literal(broken)} is not JSON: `),
    });
    writeFileSync(broken, JSON.stringify({ ...existing('broken', '10.89.9.0/24', 'podman9'), subnets: [] }));
    assert.throws(() => findNetwork(dir, 'broken'), {
      code: 'ERR_NETWORK',
      message: new RegExp(`^network definition ${literal(broken)}: no valid "subnets"$`),
    });
  });
});
