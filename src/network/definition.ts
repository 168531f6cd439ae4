// A network's definition in podman's own JSON shape (/etc/containers/networks/<name>.json), which
// netavark takes unchanged as a setup's network_info: ctrmon's networks are podman's bridges. The
// default network is podman's too: "podman", bridge podman0, 10.88.0.0/16, no DNS, unless a
// definition of that name is stored (as podman lets a podman.json replace it). A network made
// with `ctrmon network create` or a .network file gets podman's defaults for new networks: DNS
// on, the lowest free 10.89.N.0/24, the lowest free podmanN bridge.
import { createHash, randomBytes } from 'node:crypto';

import { CtrmonError } from '../errors';
import { type Subnet, addressValue, contains, formatAddress, formatSubnet, lastAddress, overlaps, parseSubnet } from './address';

export const DEFAULT_NETWORK = 'podman';
/** What --network bridge names: the default network. */
export const BRIDGE_MODE = 'bridge';
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
/** Linux limits interface names to 15 bytes. */
const INTERFACE = /^[a-zA-Z0-9_.-]{1,15}$/;

export interface SubnetDefinition {
  subnet: string;
  gateway?: string;
  /** The part of the subnet leases are taken from (podman's --ip-range). */
  lease_range?: { start_ip: string; end_ip: string };
}

export interface NetworkDefinition {
  name: string;
  id: string;
  driver: 'bridge';
  network_interface: string;
  created: string;
  subnets: SubnetDefinition[];
  ipv6_enabled: boolean;
  internal: boolean;
  dns_enabled: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipam_options: { driver: 'host-local' };
}

export const BUILTIN_DEFAULT: NetworkDefinition = {
  name: DEFAULT_NETWORK,
  id: '2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9',
  driver: 'bridge',
  network_interface: 'podman0',
  created: '1970-01-01T00:00:00Z',
  subnets: [{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }],
  ipv6_enabled: false,
  internal: false,
  dns_enabled: false,
  ipam_options: { driver: 'host-local' },
};

/** What `ctrmon network create` and a .network file ask for. */
export interface NetworkRequest {
  name: string;
  subnets: string[];
  gateways: string[];
  ipRanges: string[];
  interfaceName?: string;
  internal: boolean;
  disableDns: boolean;
  ipv6: boolean;
  driver: string;
  labels: Record<string, string>;
  options: Record<string, string>;
}

function bad(name: string, why: string): CtrmonError {
  return new CtrmonError('ERR_NETWORK', `network ${name}: ${why}`, { name });
}

export function checkNetworkName(name: string): string {
  if (!NAME.test(name)) throw bad(name, 'a network name is 1-128 of [a-zA-Z0-9_.-], starting with a letter or digit');
  if (name === BRIDGE_MODE || name === 'host' || name === 'none') throw bad(name, `"${name}" is a network mode, not a name for a network`);
  return name;
}

/** A definition for request, beside the networks that exist (whose subnets and bridges it avoids). */
export function defineNetwork(r: NetworkRequest, existing: NetworkDefinition[]): NetworkDefinition {
  checkNetworkName(r.name);
  if (r.driver !== 'bridge') throw bad(r.name, `driver ${r.driver}: ctrmon's networks are netavark bridges (driver bridge)`);
  if (existing.some((n) => n.name === r.name)) throw bad(r.name, 'a network of this name exists');
  const taken = existing.flatMap((n) => n.subnets.map((s) => parseSubnet(s.subnet)!));
  const subnets: SubnetDefinition[] = r.subnets.map((text, i) => subnetDefinition(r.name, text, r.gateways[i], r.ipRanges[i]));
  if (r.gateways.length > r.subnets.length) throw bad(r.name, 'a gateway needs the subnet it belongs to');
  if (r.ipRanges.length > r.subnets.length) throw bad(r.name, 'an IP range needs the subnet it belongs to');
  // podman's rule: subnets given are the network's; none given, a free IPv4 one (and with --ipv6 an IPv6 one too).
  if (!subnets.length) subnets.push(freeSubnet(r.name, taken));
  if (r.ipv6 && !subnets.some((s) => parseSubnet(s.subnet)!.family === 6)) subnets.push(ulaSubnet(r.name));
  for (const s of subnets) {
    const subnet = parseSubnet(s.subnet)!;
    const clash = existing.find((n) => n.subnets.some((o) => overlaps(parseSubnet(o.subnet)!, subnet)));
    if (clash) throw bad(r.name, `subnet ${s.subnet} overlaps network ${clash.name}'s`);
  }
  const ipv6 = subnets.some((s) => parseSubnet(s.subnet)!.family === 6);
  const networkInterface = r.interfaceName ?? freeInterface(existing);
  if (!INTERFACE.test(networkInterface)) throw bad(r.name, `interface name "${networkInterface}": 1-15 of [a-zA-Z0-9_.-]`);
  const user = existing.find((n) => n.network_interface === networkInterface);
  if (user) throw bad(r.name, `bridge ${networkInterface} is network ${user.name}'s`);
  return {
    name: r.name,
    id: randomBytes(32).toString('hex'),
    driver: 'bridge',
    network_interface: networkInterface,
    created: new Date().toISOString(),
    subnets,
    ipv6_enabled: ipv6,
    internal: r.internal,
    dns_enabled: !r.disableDns,
    ...(Object.keys(r.labels).length ? { labels: r.labels } : {}),
    ...(Object.keys(r.options).length ? { options: r.options } : {}),
    ipam_options: { driver: 'host-local' },
  };
}

function subnetDefinition(name: string, text: string, gateway: string | undefined, ipRange: string | undefined): SubnetDefinition {
  const subnet = parseSubnet(text);
  if (!subnet) throw bad(name, `subnet "${text}" is not a network address with a prefix (10.89.0.0/24, fd00::/64)`);
  if (lastAddress(subnet) - subnet.base < 3n) throw bad(name, `subnet ${text} is too small for a gateway and a container`);
  const out: SubnetDefinition = { subnet: formatSubnet(subnet), gateway: formatAddress(subnet.family, subnet.base + 1n) };
  if (gateway !== undefined) {
    const g = addressValue(gateway);
    if (!g || !contains(subnet, g.family, g.value)) throw bad(name, `gateway ${gateway} is not an address of subnet ${text}`);
    out.gateway = formatAddress(g.family, g.value);
  }
  if (ipRange !== undefined) {
    const range = parseSubnet(ipRange);
    if (!range || range.family !== subnet.family || range.base < subnet.base || lastAddress(range) > lastAddress(subnet))
      throw bad(name, `IP range ${ipRange} is not a subnet within ${text}`);
    out.lease_range = { start_ip: formatAddress(range.family, range.base), end_ip: formatAddress(range.family, lastAddress(range)) };
  }
  return out;
}

/** podman's pool for new networks: the lowest 10.89.N.0/24 that overlaps none. */
function freeSubnet(name: string, taken: Subnet[]): SubnetDefinition {
  for (let n = 0; n < 256; n++) {
    const subnet = parseSubnet(`10.89.${n}.0/24`)!;
    if (!taken.some((t) => overlaps(t, subnet))) return { subnet: formatSubnet(subnet), gateway: `10.89.${n}.1` };
  }
  throw bad(name, 'every 10.89.N.0/24 is taken: give --subnet');
}

/** A unique local /64 derived from the name, as podman picks one at random. */
function ulaSubnet(name: string): SubnetDefinition {
  const h = createHash('sha256').update(name).digest('hex');
  const subnet = parseSubnet(`fd${h.slice(0, 2)}:${h.slice(2, 6)}:${h.slice(6, 10)}::/64`)!;
  return { subnet: formatSubnet(subnet), gateway: formatAddress(6, subnet.base + 1n) };
}

function freeInterface(existing: NetworkDefinition[]): string {
  const used = new Set(existing.map((n) => n.network_interface));
  let n = 1;
  while (used.has(`podman${n}`)) n++;
  return `podman${n}`;
}

/** What is wrong with a stored subnet's gateway or lease range, or null. */
function subnetFault(subnets: SubnetDefinition[]): string | null {
  for (const s of subnets) {
    const subnet = parseSubnet(s.subnet)!;
    const inside = (text: unknown) => {
      const a = typeof text === 'string' ? addressValue(text) : null;
      return a !== null && contains(subnet, a.family, a.value);
    };
    if (s.gateway !== undefined && !inside(s.gateway))
      return `subnet ${s.subnet}: "gateway" ${JSON.stringify(s.gateway)} is not an address of it`;
    if (s.lease_range !== undefined && !(inside(s.lease_range?.start_ip) && inside(s.lease_range?.end_ip)))
      return `subnet ${s.subnet}: "lease_range" is not a range of its addresses`;
  }
  return null;
}

/** A stored definition, checked enough that netavark and the allocator can rely on it. */
export function checkDefinition(value: unknown, file: string): NetworkDefinition {
  const n = value as NetworkDefinition;
  const why =
    typeof n !== 'object' || n === null
      ? 'not a JSON object'
      : typeof n.name !== 'string' || !NAME.test(n.name)
        ? 'no valid "name"'
        : n.driver !== 'bridge'
          ? `driver ${JSON.stringify(n.driver)}: ctrmon runs bridge networks only`
          : typeof n.network_interface !== 'string' || !INTERFACE.test(n.network_interface)
            ? 'no valid "network_interface"'
            : !Array.isArray(n.subnets) || !n.subnets.length || !n.subnets.every((s) => parseSubnet(s?.subnet) !== null)
              ? 'no valid "subnets"'
              : subnetFault(n.subnets);
  if (why) throw new CtrmonError('ERR_NETWORK', `network definition ${file}: ${why}`, { path: file });
  return {
    ...n,
    ipv6_enabled: !!n.ipv6_enabled,
    internal: !!n.internal,
    dns_enabled: !!n.dns_enabled,
    ipam_options: { driver: 'host-local' },
  };
}
