// Published and exposed ports in podman's forms (src/network/ports.ts): every -p form as netavark's
// port mappings, the refusals naming what is wrong, podman ps's text of a mapping, and which two
// mappings would take the same host port.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { type PortMapping, formatMapping, parseExpose, parsePublish, sameHostPorts } from '../../src/network/ports';

const mapping = (m: Partial<PortMapping>): PortMapping => ({
  host_ip: '',
  container_port: 80,
  host_port: 8080,
  range: 1,
  protocol: 'tcp',
  ...m,
});

describe('--publish', () => {
  test('hostPort:containerPort, with an IPv4 or a bracketed IPv6 host address', () => {
    assert.deepEqual(parsePublish('8080:80'), [mapping({})]);
    assert.deepEqual(parsePublish('127.0.0.1:8080:80'), [mapping({ host_ip: '127.0.0.1' })]);
    assert.deepEqual(parsePublish('[fd00::1]:8080:80'), [mapping({ host_ip: 'fd00::1' })]);
    assert.deepEqual(parsePublish('[FD00:0:0::1]:8080:80'), [mapping({ host_ip: 'fd00::1' })], 'the address canonical');
  });

  test('no host port, or an empty one, is any free port (0 until reserved)', () => {
    assert.deepEqual(parsePublish('80'), [mapping({ host_port: 0 })]);
    assert.deepEqual(parsePublish('127.0.0.1::80'), [mapping({ host_ip: '127.0.0.1', host_port: 0 })]);
    assert.deepEqual(parsePublish('[fd00::1]::80'), [mapping({ host_ip: 'fd00::1', host_port: 0 })]);
    assert.deepEqual(parsePublish('[fd00::1]:80'), [mapping({ host_ip: 'fd00::1', host_port: 0 })]);
  });

  test("ranges: one of each length, or a host start taking the container range's length", () => {
    assert.deepEqual(parsePublish('8000-8009:9000-9009'), [mapping({ host_port: 8000, container_port: 9000, range: 10 })]);
    assert.deepEqual(parsePublish('8000:9000-9009'), [mapping({ host_port: 8000, container_port: 9000, range: 10 })]);
    assert.deepEqual(parsePublish('9000-9002'), [mapping({ host_port: 0, container_port: 9000, range: 3 })]);
    assert.deepEqual(parsePublish('65526:80-89'), [mapping({ host_port: 65526, range: 10 })], 'ending at 65535');
  });

  test('protocols: tcp by default, udp, both as one mapping each, a repeat once', () => {
    assert.deepEqual(parsePublish('53:53/udp'), [mapping({ host_port: 53, container_port: 53, protocol: 'udp' })]);
    assert.deepEqual(parsePublish('8080:80/tcp'), [mapping({})]);
    assert.deepEqual(parsePublish('80/tcp,udp'), [mapping({ host_port: 0 }), mapping({ host_port: 0, protocol: 'udp' })]);
    assert.deepEqual(parsePublish('8080:80/udp,udp'), [mapping({ protocol: 'udp' })]);
  });

  test('each wrong form refused, naming the value and what is wrong with it', () => {
    const refusals: [string, RegExp][] = [
      ['[::1]:8080:80', /^--publish "\[::1\]:8080:80": Linux does not forward IPv6 loopback to a container/],
      ['[fd00::1:8080:80', /^--publish "\[fd00::1:8080:80": an IPv6 address is written in brackets and followed by ":"/],
      ['[10.0.0.1]:8080:80', /^--publish "\[10\.0\.0\.1\]:8080:80": "10\.0\.0\.1" is not an IPv6 address$/],
      [
        '999.0.0.1:8080:80',
        /^--publish "999\.0\.0\.1:8080:80": "999\.0\.0\.1" is not an IPv4 address \(write IPv6 addresses in brackets\)$/,
      ],
      ['fd00::1:8080:80', /^--publish "fd00::1:8080:80": expected \[ip:\]\[hostPort:\]containerPort\[\/protocol\]$/],
      ['8080:80/tcp/x', /^--publish "8080:80\/tcp\/x": expected \[ip:\]/],
      ['', /^--publish "": expected \[ip:\]/],
      ['0', /^--publish "0": container port 0 is outside 1-65535$/],
      ['65536', /^--publish "65536": container port 65536 is outside 1-65535$/],
      ['8080:0-5', /^--publish "8080:0-5": container port 0-5 is outside 1-65535$/],
      ['http:80', /^--publish "http:80": host port "http" is not a port or a range of ports/],
      ['8080:web', /^--publish "8080:web": container port "web" is not a port or a range of ports/],
      ['8009-8000:80', /^--publish "8009-8000:80": host port range 8009-8000 ends before it starts$/],
      ['8000-8002:9000-9009', /^--publish "8000-8002:9000-9009": the host range has 3 ports and the container range 10$/],
      ['65530:80-89', /^--publish "65530:80-89": the host range goes past port 65535$/],
      ['80/sctp', /^--publish "80\/sctp": protocol "sctp": ctrmon publishes tcp and udp ports/],
      ['80/TCP', /^--publish "80\/TCP": protocol "TCP"/],
      ['80/', /^--publish "80\/": protocol ""/],
    ];
    for (const [text, message] of refusals) assert.throws(() => parsePublish(text), { code: 'ERR_INVALID_OPTION', message }, text);
  });

  test("the flag named is the caller's (a .container's key)", () => {
    assert.throws(() => parsePublish('80/sctp', 'PublishPort='), { message: /^PublishPort= "80\/sctp": protocol "sctp"/ });
  });
});

describe('--expose', () => {
  test('a port or a range, tcp by default, one entry per protocol', () => {
    assert.deepEqual(parseExpose('80'), [{ port: 80, range: 1, protocol: 'tcp' }]);
    assert.deepEqual(parseExpose('8000-8009/udp'), [{ port: 8000, range: 10, protocol: 'udp' }]);
    assert.deepEqual(parseExpose('53/tcp,udp'), [
      { port: 53, range: 1, protocol: 'tcp' },
      { port: 53, range: 1, protocol: 'udp' },
    ]);
  });

  test('refusals name the value', () => {
    assert.throws(() => parseExpose('0'), { code: 'ERR_INVALID_OPTION', message: /^--expose "0": port 0 is outside 1-65535$/ });
    assert.throws(() => parseExpose('8080:80'), { message: /^--expose "8080:80": port "8080:80" is not a port or a range of ports/ });
    assert.throws(() => parseExpose('90-80'), { message: /^--expose "90-80": port range 90-80 ends before it starts$/ });
    assert.throws(() => parseExpose('80/sctp', 'ExposeHostPort='), { message: /^ExposeHostPort= "80\/sctp": protocol "sctp"/ });
    assert.throws(() => parseExpose('80/tcp/udp'), { message: /^--expose "80\/tcp\/udp": expected port\[-end\]\[\/protocol\]$/ });
  });
});

describe('mappings', () => {
  test("podman ps's text: any address as 0.0.0.0, IPv6 in brackets, ranges as start-end", () => {
    assert.equal(formatMapping(mapping({})), '0.0.0.0:8080->80/tcp');
    assert.equal(formatMapping(mapping({ host_ip: '127.0.0.1', protocol: 'udp' })), '127.0.0.1:8080->80/udp');
    assert.equal(formatMapping(mapping({ host_ip: 'fd00::1' })), '[fd00::1]:8080->80/tcp');
    assert.equal(formatMapping(mapping({ host_port: 8000, container_port: 9000, range: 10 })), '0.0.0.0:8000-8009->9000-9009/tcp');
    assert.equal(formatMapping(parsePublish('127.0.0.1::80')[0]), '127.0.0.1:0->80/tcp');
  });

  test('the same host port: overlapping ranges of one protocol on one address, or on any address', () => {
    const a = mapping({ host_port: 8000, range: 10 });
    const same: [Partial<PortMapping>, boolean][] = [
      [{ host_port: 8009 }, true],
      [{ host_port: 7991, range: 10 }, true],
      [{ host_port: 8010 }, false],
      [{ host_port: 7990, range: 10 }, false],
      [{ host_port: 8005, protocol: 'udp' }, false],
      [{ host_port: 8005, host_ip: '127.0.0.1' }, true],
      // Port 0 is chosen when reserved: it clashes with nothing here.
      [{ host_port: 0 }, false],
    ];
    for (const [b, expected] of same) {
      assert.equal(sameHostPorts(a, mapping(b)), expected, JSON.stringify(b));
      assert.equal(sameHostPorts(mapping(b), a), expected, `${JSON.stringify(b)}, the other way`);
    }
    const local = mapping({ host_ip: '127.0.0.1' });
    assert.equal(sameHostPorts(local, mapping({ host_ip: '127.0.0.2' })), false, 'two addresses');
    assert.equal(sameHostPorts(local, mapping({ host_ip: '127.0.0.1', container_port: 81 })), true, 'the container port does not matter');
  });
});
