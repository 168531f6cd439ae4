// IP addresses and subnets, v4 and v6, as numbers: enough arithmetic for ports' host addresses,
// network definitions (a subnet, its gateway, the next free /24) and the lease allocator.
import { isIP } from 'node:net';

export type Family = 4 | 6;

export interface Subnet {
  family: Family;
  /** The network address. */
  base: bigint;
  prefix: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

/** The address as a number, or null when text is not an IP address. */
export function addressValue(text: string): { family: Family; value: bigint } | null {
  const family = isIP(text);
  if (family === 4) return { family, value: text.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n) };
  if (family !== 6) return null;
  let [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = (s: string) =>
    s.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  head = v4(head);
  tail = tail === undefined ? undefined : v4(tail);
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return { family, value: all.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

export function formatAddress(family: Family, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups = [...Array(8)].map((_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // The longest run of zero groups (two or more) becomes ::, as RFC 5952 writes it.
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** "10.88.0.0/16" or "fd00::/64"; null when not a subnet (host bits set count as not one). */
export function parseSubnet(text: string): Subnet | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const address = m && addressValue(m[1]);
  if (!m || !address) return null;
  const prefix = Number(m[2]);
  if (prefix > BITS[address.family]) return null;
  const host = hostMask(address.family, prefix);
  if ((address.value & host) !== 0n) return null;
  return { family: address.family, base: address.value, prefix };
}

export function formatSubnet(s: Subnet): string {
  return `${formatAddress(s.family, s.base)}/${s.prefix}`;
}

function hostMask(family: Family, prefix: number): bigint {
  return (1n << BigInt(BITS[family] - prefix)) - 1n;
}

/** The subnet's last address (its broadcast address for v4). */
export function lastAddress(s: Subnet): bigint {
  return s.base | hostMask(s.family, s.prefix);
}

export function contains(s: Subnet, family: Family, value: bigint): boolean {
  return family === s.family && value >= s.base && value <= lastAddress(s);
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.family === b.family && a.base <= lastAddress(b) && b.base <= lastAddress(a);
}
