// The address allocator (src/network/leases.ts): a lease is a file created with O_EXCL that names
// its holder; the lowest free address of each subnet (past the network address, the gateway and
// v4's broadcast, within an IP range), a wanted address, refusals, reuse, release by the holder only,
// exhaustion, and the list of every lease.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { BUILTIN_DEFAULT, type NetworkDefinition, type SubnetDefinition } from '../../src/network/definition';
import { type Lease, leaseAddresses, listLeases, releaseAddress } from '../../src/network/leases';

const root = mkdtempSync(path.join(tmpdir(), 'ctrmon-network-leases-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
/** A fresh leases directory (not made: the allocator makes what it needs). */
const leasesDir = () => path.join(root, `leases-${++dirs}`);

const network = (name: string, ...subnets: SubnetDefinition[]): NetworkDefinition => ({ ...BUILTIN_DEFAULT, name, subnets });
const NET = network('net', { subnet: '10.90.0.0/24', gateway: '10.90.0.1' });
/** Room for one container: .0 the network, .1 the gateway, .2, .3 the broadcast. */
const TINY = network('tiny', { subnet: '10.90.1.0/30', gateway: '10.90.1.1' });
const DUAL = network('dual', { subnet: '10.90.2.0/24', gateway: '10.90.2.1' }, { subnet: 'fd00:2::/126', gateway: 'fd00:2::1' });

const byAddress = (leases: Lease[]) => [...leases].sort((a, b) => `${a.network} ${a.address}`.localeCompare(`${b.network} ${b.address}`));

describe('leaseAddresses', () => {
  test('a holder that has an address keeps it: asking again takes no second one', () => {
    const dir = leasesDir();
    assert.deepEqual(leaseAddresses(dir, NET, '/run/ctrmon/a', ['10.90.0.7']), ['10.90.0.7']);
    assert.deepEqual(leaseAddresses(dir, NET, '/run/ctrmon/a'), ['10.90.0.7']);
    assert.deepEqual(
      listLeases(dir).map((l) => l.address),
      ['10.90.0.7'],
    );
  });

  test('a wanted address the network keeps for itself is refused: its own, its gateway, its broadcast', () => {
    const dir = leasesDir();
    for (const address of ['10.90.0.0', '10.90.0.1', '10.90.0.255']) {
      assert.throws(() => leaseAddresses(dir, NET, '/run/ctrmon/a', [address]), {
        code: 'ERR_NETWORK',
        message: new RegExp(`^address ${address.replace(/\./g, '\\.')} of network net is not one a container can have`),
      });
    }
    assert.deepEqual(listLeases(dir), []);
  });

  test('the lowest free address, one per container; the lease file names its holder', () => {
    const dir = leasesDir();
    assert.deepEqual(leaseAddresses(dir, NET, '/run/ctrmon/a'), ['10.90.0.2']);
    assert.deepEqual(leaseAddresses(dir, NET, '/run/ctrmon/b'), ['10.90.0.3']);
    assert.equal(readFileSync(path.join(dir, 'net', '10.90.0.2'), 'utf8'), '/run/ctrmon/a\n');
    assert.equal(readFileSync(path.join(dir, 'net', '10.90.0.3'), 'utf8'), '/run/ctrmon/b\n');
  });

  test('the gateway is skipped wherever it is, and the network address', () => {
    const dir = leasesDir();
    const high = network('high', { subnet: '10.90.3.0/29', gateway: '10.90.3.2' });
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'e'].map((h) => leaseAddresses(dir, high, h)[0]),
      ['10.90.3.1', '10.90.3.3', '10.90.3.4', '10.90.3.5', '10.90.3.6'],
    );
    assert.throws(
      () => leaseAddresses(dir, high, 'f'),
      { code: 'ERR_NETWORK', message: /no free address left in 10\.90\.3\.0\/29/ },
      'never .7, the broadcast',
    );
  });

  test('a tiny subnet is exhausted after its one address, saying which network and subnet', () => {
    const dir = leasesDir();
    assert.deepEqual(leaseAddresses(dir, TINY, 'a'), ['10.90.1.2']);
    assert.throws(() => leaseAddresses(dir, TINY, 'b'), {
      code: 'ERR_NETWORK',
      message: /^network tiny has no free address left in 10\.90\.1\.0\/30$/,
    });
    releaseAddress(dir, 'tiny', '10.90.1.2', 'a');
    assert.deepEqual(leaseAddresses(dir, TINY, 'b'), ['10.90.1.2'], 'free again once released');
  });

  test("an IP range: its addresses only, first to last, less v4's broadcast", () => {
    const dir = leasesDir();
    const ranged = network('ranged', {
      subnet: '10.90.4.0/24',
      gateway: '10.90.4.1',
      lease_range: { start_ip: '10.90.4.248', end_ip: '10.90.4.255' },
    });
    const got = [...Array(7)].map((_, i) => leaseAddresses(dir, ranged, `h${i}`)[0]);
    assert.deepEqual(got, ['10.90.4.248', '10.90.4.249', '10.90.4.250', '10.90.4.251', '10.90.4.252', '10.90.4.253', '10.90.4.254']);
    assert.throws(() => leaseAddresses(dir, ranged, 'h7'), { message: /^network ranged has no free address left in 10\.90\.4\.0\/24$/ });
    const whole = network('whole', {
      subnet: '10.90.5.0/30',
      gateway: '10.90.5.1',
      lease_range: { start_ip: '10.90.5.0', end_ip: '10.90.5.3' },
    });
    assert.deepEqual(leaseAddresses(dir, whole, 'a'), ['10.90.5.2'], 'a range of the whole subnet still skips .0, .1 and .3');
    assert.throws(() => leaseAddresses(dir, whole, 'b'), { message: /^network whole has no free address left/ });
  });

  test('one address of each subnet; IPv6 has no broadcast to skip', () => {
    const dir = leasesDir();
    assert.deepEqual(leaseAddresses(dir, DUAL, 'a'), ['10.90.2.2', 'fd00:2::2']);
    assert.deepEqual(leaseAddresses(dir, DUAL, 'b'), ['10.90.2.3', 'fd00:2::3']);
    assert.throws(() => leaseAddresses(dir, DUAL, 'c'), {
      code: 'ERR_NETWORK',
      message: /^network dual has no free address left in fd00:2::\/126$/,
    });
    assert.deepEqual(
      byAddress(listLeases(dir)).map((l) => `${l.address} ${l.holder}`),
      ['10.90.2.2 a', '10.90.2.3 b', 'fd00:2::2 a', 'fd00:2::3 b'],
      "the failed holder's v4 lease is given back",
    );
  });

  test('a wanted address, canonical; another container holding it is named; one outside every subnet is refused', () => {
    const dir = leasesDir();
    assert.deepEqual(leaseAddresses(dir, NET, 'a', ['10.90.0.50']), ['10.90.0.50']);
    assert.throws(() => leaseAddresses(dir, NET, 'b', ['10.90.0.50']), {
      code: 'ERR_NETWORK',
      message: /^address 10\.90\.0\.50 of network net is held by a$/,
    });
    assert.deepEqual(leaseAddresses(dir, NET, 'a', ['10.90.0.50']), ['10.90.0.50'], 'its holder gets it again');
    assert.deepEqual(leaseAddresses(dir, NET, 'b'), ['10.90.0.2'], 'a wanted one is not the lowest free');
    assert.throws(() => leaseAddresses(dir, NET, 'c', ['10.99.0.5']), {
      code: 'ERR_NETWORK',
      message: /^address 10\.99\.0\.5 is in none of network net's subnets \(10\.90\.0\.0\/24\)$/,
    });
    assert.deepEqual(leaseAddresses(dir, DUAL, 'd', ['FD00:2:0::3']), ['10.90.2.2', 'fd00:2::3'], 'the other subnet gets the lowest free');
    assert.throws(() => leaseAddresses(dir, DUAL, 'e', ['fd00:2::3']), { message: /^address fd00:2::3 of network dual is held by d$/ });
    assert.deepEqual(
      byAddress(listLeases(dir)).filter((l) => l.holder === 'e'),
      [],
      "e's v4 lease, taken before its v6 one was refused, is given back",
    );
  });

  test("a holder's own lease is its again, not a second one", () => {
    const dir = leasesDir();
    assert.deepEqual(leaseAddresses(dir, NET, 'a'), ['10.90.0.2']);
    assert.deepEqual(leaseAddresses(dir, NET, 'a'), ['10.90.0.2']);
    assert.deepEqual(listLeases(dir), [{ network: 'net', address: '10.90.0.2', holder: 'a' }]);
  });
});

describe('releaseAddress and listLeases', () => {
  test('only the holder gives a lease up; releasing what is not there is nothing', () => {
    const dir = leasesDir();
    leaseAddresses(dir, NET, 'a');
    releaseAddress(dir, 'net', '10.90.0.2', 'b');
    assert.deepEqual(listLeases(dir), [{ network: 'net', address: '10.90.0.2', holder: 'a' }], 'not by another');
    releaseAddress(dir, 'net', '10.90.0.2', 'a');
    assert.deepEqual(listLeases(dir), []);
    releaseAddress(dir, 'net', '10.90.0.2', 'a');
    releaseAddress(dir, 'nowhere', '10.0.0.1', 'a');
    assert.deepEqual(leaseAddresses(dir, NET, 'c'), ['10.90.0.2']);
  });

  test('every lease of every network; none where there is no directory', () => {
    assert.deepEqual(listLeases(path.join(root, 'missing')), []);
    const dir = leasesDir();
    leaseAddresses(dir, NET, '/run/ctrmon/web');
    leaseAddresses(dir, TINY, '/run/ctrmon/db');
    leaseAddresses(dir, NET, '/run/ctrmon/db');
    assert.deepEqual(byAddress(listLeases(dir)), [
      { network: 'net', address: '10.90.0.2', holder: '/run/ctrmon/web' },
      { network: 'net', address: '10.90.0.3', holder: '/run/ctrmon/db' },
      { network: 'tiny', address: '10.90.1.2', holder: '/run/ctrmon/db' },
    ]);
  });
});
