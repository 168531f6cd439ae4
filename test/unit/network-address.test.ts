// IP addresses and subnets as numbers (src/network/address.ts): parsing v4 and v6 (with :: and an
// embedded v4 tail), RFC 5952 text, subnets with their host bits, and containment and overlap.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { addressValue, contains, formatAddress, formatSubnet, lastAddress, overlaps, parseSubnet } from '../../src/network/address';

const v6 = (text: string) => {
  const a = addressValue(text);
  assert.equal(a?.family, 6, text);
  return a!.value;
};
const subnet = (text: string) => {
  const s = parseSubnet(text);
  assert.notEqual(s, null, text);
  return s!;
};

describe('addresses', () => {
  test('IPv4 as a 32-bit number, and back', () => {
    assert.deepEqual(addressValue('10.88.0.1'), { family: 4, value: 0x0a580001n });
    assert.deepEqual(addressValue('0.0.0.0'), { family: 4, value: 0n });
    assert.deepEqual(addressValue('255.255.255.255'), { family: 4, value: 0xffffffffn });
    assert.equal(formatAddress(4, 0x0a580001n), '10.88.0.1');
    assert.equal(formatAddress(4, 0xc0a80a0fn), '192.168.10.15');
  });

  test('text that is not an address is null', () => {
    for (const text of ['', '10.88.0.256', '10.88.0', 'localhost', '1.2.3.4/8', 'fd00:::1', 'gggg::1', '[::1]']) {
      assert.equal(addressValue(text), null, text);
    }
  });

  test('IPv6: ::, leading and trailing zeros, upper case, an embedded IPv4 tail', () => {
    assert.equal(v6('::'), 0n);
    assert.equal(v6('::1'), 1n);
    assert.equal(v6('fd00::'), 0xfd00n << 112n);
    assert.equal(v6('fd00::1'), (0xfd00n << 112n) | 1n);
    assert.equal(v6('2001:0db8:0000:0000:0000:0000:0000:0001'), v6('2001:db8::1'));
    assert.equal(v6('FD00::ABCD'), (0xfd00n << 112n) | 0xabcdn);
    assert.equal(v6('1:2:3:4:5:6:7:8'), 0x00010002000300040005000600070008n);
    assert.equal(v6('::ffff:10.88.0.1'), (0xffffn << 32n) | 0x0a580001n);
    assert.equal(v6('2001:db8::ffff:1.2.3.4'), (0x20010db8n << 96n) | (0xffffn << 32n) | 0x01020304n);
  });

  test('IPv6 text as RFC 5952 writes it: lower case, no leading zeros, the first longest zero run as ::', () => {
    const canonical: [string, string][] = [
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['fd00:0:0:0:0:0:0:0', 'fd00::'],
      ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      // Two runs of the same length: the first.
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      // The longer run, though it comes second.
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      // A single zero group stays a 0.
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ];
    for (const [text, expected] of canonical) assert.equal(formatAddress(6, v6(text)), expected, text);
  });
});

describe('subnets', () => {
  test('a network address with a prefix; host bits set, a prefix too long or none is not one', () => {
    assert.deepEqual(parseSubnet('10.88.0.0/16'), { family: 4, base: 0x0a580000n, prefix: 16 });
    assert.deepEqual(parseSubnet('0.0.0.0/0'), { family: 4, base: 0n, prefix: 0 });
    assert.deepEqual(parseSubnet('10.88.0.7/32'), { family: 4, base: 0x0a580007n, prefix: 32 });
    assert.deepEqual(parseSubnet('fd00::/64'), { family: 6, base: 0xfd00n << 112n, prefix: 64 });
    assert.deepEqual(parseSubnet('::/0'), { family: 6, base: 0n, prefix: 0 });
    for (const text of [
      '10.88.0.1/16',
      '10.88.0.0/33',
      'fd00::1/64',
      'fd00::/129',
      '10.88.0.0',
      '10.88.0.0/',
      'web/24',
      '10.88.0.0/16/1',
    ]) {
      assert.equal(parseSubnet(text), null, text);
    }
  });

  test('formatted canonically', () => {
    assert.equal(formatSubnet(subnet('10.89.3.0/24')), '10.89.3.0/24');
    assert.equal(formatSubnet(subnet('FD00:0000:0000:0000::/64')), 'fd00::/64');
    assert.equal(formatSubnet({ family: 6, base: 0x20010db8n << 96n, prefix: 32 }), '2001:db8::/32');
  });

  test("the last address: v4's broadcast, v6's all-ones host part, a /32 itself", () => {
    assert.equal(formatAddress(4, lastAddress(subnet('10.89.3.0/24'))), '10.89.3.255');
    assert.equal(formatAddress(4, lastAddress(subnet('10.88.0.0/16'))), '10.88.255.255');
    assert.equal(formatAddress(4, lastAddress(subnet('10.88.0.7/32'))), '10.88.0.7');
    assert.equal(formatAddress(6, lastAddress(subnet('fd00::/64'))), 'fd00::ffff:ffff:ffff:ffff');
    assert.equal(formatAddress(6, lastAddress(subnet('fd00::/126'))), 'fd00::3');
  });

  test('contains: the bounds are in, the next address and the other family are not', () => {
    const s = subnet('10.89.3.0/24');
    const at = (text: string) => {
      const a = addressValue(text)!;
      return contains(s, a.family, a.value);
    };
    assert.deepEqual(['10.89.3.0', '10.89.3.255', '10.89.3.17', '10.89.2.255', '10.89.4.0', '::ffff:10.89.3.1'].map(at), [
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    assert.equal(contains(subnet('::/0'), 4, 0x0a590301n), false, 'a v4 value is in no v6 subnet');
  });

  test('overlaps: nested either way, disjoint, adjacent, and other families', () => {
    const pairs: [string, string, boolean][] = [
      ['10.88.0.0/16', '10.88.5.0/24', true],
      ['10.88.5.0/24', '10.88.0.0/16', true],
      ['10.89.0.0/24', '10.89.0.0/24', true],
      ['10.88.0.0/16', '10.89.0.0/24', false],
      ['10.0.0.0/25', '10.0.0.128/25', false],
      ['10.0.0.0/25', '10.0.0.127/32', true],
      ['fd00::/64', 'fd00::8000:0:0:0/65', true],
      ['fd00::/64', 'fd00:0:0:1::/64', false],
      ['0.0.0.0/0', '::/0', false],
    ];
    for (const [a, b, expected] of pairs) assert.equal(overlaps(subnet(a), subnet(b)), expected, `${a} ${b}`);
  });
});
