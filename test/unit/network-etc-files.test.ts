// A container's /etc/hosts and /etc/resolv.conf (src/network/etc-files.ts): --add-host values
// (host-gateway, IPv6), the hosts file from the host's, the host's nameservers less the loopback
// ones, and resolv.conf with aardvark-dns and its dns.podman search domain first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { type DnsSettings, checkDnsServer, hostDns, hostsFile, parseAddHost, resolvFile } from '../../src/network/etc-files';

const NO_DNS: DnsSettings = { servers: [], search: [], options: [] };
const HOST_DNS: DnsSettings = { servers: ['192.0.2.53'], search: ['example.com'], options: ['ndots:2'] };

describe('--add-host', () => {
  test('names and an address: v4, v6 with or without brackets, host-gateway', () => {
    assert.deepEqual(parseAddHost('db:10.0.0.5'), { names: ['db'], address: '10.0.0.5' });
    assert.deepEqual(parseAddHost('db;db.local:10.0.0.5'), { names: ['db', 'db.local'], address: '10.0.0.5' });
    assert.deepEqual(parseAddHost('gw:host-gateway'), { names: ['gw'], address: 'host-gateway' });
    assert.deepEqual(parseAddHost('v6:fd00:0::5'), { names: ['v6'], address: 'fd00::5' });
    assert.deepEqual(parseAddHost('v6:[FD00::5]'), { names: ['v6'], address: 'fd00::5' });
  });

  test('refused without a name, a colon or an address, naming the value', () => {
    const expected = /: expected host:address \(db:10\.0\.0\.5, gw:host-gateway\)$/;
    for (const text of [':10.0.0.5', 'db', '-db:10.0.0.5', 'db-:10.0.0.5', 'a b:10.0.0.5', 'db;:10.0.0.5']) {
      assert.throws(() => parseAddHost(text), { code: 'ERR_INVALID_OPTION', message: expected }, text);
    }
    assert.throws(() => parseAddHost('db:nonsense'), {
      message: /^--add-host "db:nonsense": "nonsense" is not an IP address or host-gateway$/,
    });
    assert.throws(() => parseAddHost('db:10.0.0.256'), { message: /"10\.0\.0\.256" is not an IP address/ });
    assert.throws(() => parseAddHost('db', 'AddHost='), { message: /^AddHost= "db": expected host:address/ });
  });

  test('--dns: an address, canonical, or refused', () => {
    assert.equal(checkDnsServer('192.0.2.53'), '192.0.2.53');
    assert.equal(checkDnsServer('FD00:0::53'), 'fd00::53');
    assert.throws(() => checkDnsServer('dns.example'), {
      code: 'ERR_INVALID_OPTION',
      message: /^--dns "dns\.example": not an IP address$/,
    });
  });
});

describe('hosts', () => {
  test("the host's file, then --add-host lines, the container's own names, and the host at the gateway", () => {
    const text = hostsFile({
      base: '127.0.0.1\tlocalhost\n\n\n',
      addHosts: [parseAddHost('db;db.local:10.0.0.5'), parseAddHost('gw:host-gateway'), parseAddHost('v6:fd00::5')],
      self: { addresses: ['10.89.0.2', 'fd00:1::2'], names: ['web', 'web'] },
      gateway: '10.89.0.1',
    });
    assert.equal(
      text,
      [
        '127.0.0.1\tlocalhost',
        '# added by ctrmon',
        '10.0.0.5\tdb db.local',
        '10.89.0.1\tgw',
        'fd00::5\tv6',
        '10.89.0.2\tweb',
        'fd00:1::2\tweb',
        '10.89.0.1\thost.containers.internal host.docker.internal',
        '',
      ].join('\n'),
    );
  });

  test('an empty host file becomes localhost; with no gateway no host names, and host-gateway is refused', () => {
    assert.equal(
      hostsFile({ base: ' \n', addHosts: [parseAddHost('db:10.0.0.5')], self: { addresses: ['10.89.0.2'], names: ['app', 'web'] } }),
      '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n# added by ctrmon\n10.0.0.5\tdb\n10.89.0.2\tapp web\n',
    );
    assert.equal(hostsFile({ base: '10.1.1.1\tbox\n', addHosts: [] }), '10.1.1.1\tbox\n# added by ctrmon\n');
    assert.throws(() => hostsFile({ base: '', addHosts: [parseAddHost('gw;gw2:host-gateway')] }), {
      code: 'ERR_INVALID_OPTION',
      message: /^--add-host gw:host-gateway: this network has no gateway to the host$/,
    });
  });
});

describe('resolv.conf', () => {
  test("the host's: its nameservers less the loopback ones, the last search or domain line, every option", () => {
    const text = [
      '# from the host',
      'nameserver 127.0.0.53',
      'nameserver ::1',
      'nameserver 192.0.2.53',
      '  nameserver   fd00::53  ',
      'domain old.example',
      'search a.example b.example',
      'options ndots:2',
      'options edns0 timeout:1',
      'nameserver',
      '',
    ].join('\n');
    assert.deepEqual(hostDns(text), {
      servers: ['192.0.2.53', 'fd00::53'],
      search: ['a.example', 'b.example'],
      options: ['ndots:2', 'edns0', 'timeout:1'],
    });
    assert.deepEqual(hostDns('search a.example\ndomain b.example\n').search, ['b.example']);
    assert.deepEqual(hostDns(''), NO_DNS);
    assert.deepEqual(hostDns('nameserver 127.0.0.1\nnameserver 127.1.2.3\n').servers, [], 'a host with only a local resolver gives none');
  });

  test("aardvark first, with dns.podman searched first; then the host's servers, search and options", () => {
    assert.equal(
      resolvFile({ aardvark: ['10.89.0.1', 'fd00:1::1'], asked: NO_DNS, host: HOST_DNS }),
      'search dns.podman example.com\nnameserver 10.89.0.1\nnameserver fd00:1::1\nnameserver 192.0.2.53\noptions ndots:2\n',
    );
  });

  test("what --dns, --dns-search and --dns-option give replaces the host's, each on its own", () => {
    const asked: DnsSettings = { servers: ['198.51.100.1'], search: ['corp.example'], options: ['timeout:1', 'attempts:2'] };
    assert.equal(
      resolvFile({ aardvark: ['10.89.0.1'], asked, host: HOST_DNS }),
      'search dns.podman corp.example\nnameserver 10.89.0.1\nnameserver 198.51.100.1\noptions timeout:1 attempts:2\n',
    );
    assert.equal(
      resolvFile({ aardvark: [], asked: { ...NO_DNS, servers: ['198.51.100.1'] }, host: HOST_DNS }),
      'search example.com\nnameserver 198.51.100.1\noptions ndots:2\n',
      'servers only: the host search and options stay',
    );
  });

  test('without aardvark no dns.podman; repeats once; nothing at all is an empty file', () => {
    assert.equal(
      resolvFile({ aardvark: [], asked: NO_DNS, host: HOST_DNS }),
      'search example.com\nnameserver 192.0.2.53\noptions ndots:2\n',
    );
    assert.equal(
      resolvFile({
        aardvark: ['10.89.0.1'],
        asked: { servers: ['10.89.0.1'], search: ['dns.podman', 'x.example'], options: [] },
        host: NO_DNS,
      }),
      'search dns.podman x.example\nnameserver 10.89.0.1\n',
    );
    assert.equal(resolvFile({ aardvark: [], asked: NO_DNS, host: NO_DNS }), '\n');
  });
});
