// Published ports in podman's -p forms, [ip:][hostPort:]containerPort[/protocol]:
//   8080:80  127.0.0.1:8080:80  [::1]:8080:80  127.0.0.1::80 (any free host port)  80 (the same)
//   8000-8009:9000-9009  8000:9000-9009 (a host range of the container range's length)  53:53/udp
//   80/tcp,udp (both protocols)
// Each becomes netavark's port mapping: a host port of 0 is chosen when it is reserved
// (network/port-reservations.ts). EXPOSE-style ports (ExposeHostPort=, an image's ExposedPorts) are
// containerPort[-end][/protocol].
import { CtrmonError } from '../errors';
import type { ExposedPort, PortMapping, PortProtocol } from '../state/types';
import { addressValue, formatAddress } from './address';

const PORT_PROTOCOLS: readonly PortProtocol[] = ['tcp', 'udp'];

function bad(flag: string, text: string, why: string): CtrmonError {
  return new CtrmonError('ERR_INVALID_OPTION', `${flag} ${JSON.stringify(text)}: ${why}`);
}

/** "80" or "80-89": the first port and how many. */
function portRange(flag: string, text: string, part: string, what: string): { start: number; count: number } {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
  if (!m) throw bad(flag, text, `${what} "${part}" is not a port or a range of ports (8080, 8000-8009)`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < 1 || end > 65535) throw bad(flag, text, `${what} ${part} is outside 1-65535`);
  if (end < start) throw bad(flag, text, `${what} range ${part} ends before it starts`);
  return { start, count: end - start + 1 };
}

function protocols(flag: string, text: string, part: string | undefined): PortProtocol[] {
  if (part === undefined) return ['tcp'];
  const list = part.split(',');
  for (const p of list) {
    if (!(PORT_PROTOCOLS as readonly string[]).includes(p))
      throw bad(flag, text, `protocol "${p}": ctrmon publishes tcp and udp ports (sctp ports cannot be reserved on the host)`);
  }
  return [...new Set(list as PortProtocol[])];
}

/** Splits off a leading host address: "[::1]:", "127.0.0.1:", or none. */
function hostAddress(flag: string, text: string, spec: string): { ip: string; rest: string[] } {
  let ip = '';
  let rest = spec;
  if (spec.startsWith('[')) {
    const end = spec.indexOf(']:');
    if (end < 0) throw bad(flag, text, 'an IPv6 address is written in brackets and followed by ":" ([::1]:8080:80)');
    ip = spec.slice(1, end);
    rest = spec.slice(end + 2);
    if (addressValue(ip)?.family !== 6) throw bad(flag, text, `"${ip}" is not an IPv6 address`);
    if (canonical(ip) === '::1')
      throw bad(
        flag,
        text,
        'Linux does not forward IPv6 loopback to a container (no route_localnet for IPv6): publish on 127.0.0.1 or another address',
      );
    return { ip: canonical(ip), rest: rest.split(':') };
  }
  const parts = rest.split(':');
  if (parts.length === 3) {
    ip = parts.shift()!;
    if (addressValue(ip)?.family !== 4) throw bad(flag, text, `"${ip}" is not an IPv4 address (write IPv6 addresses in brackets)`);
    return { ip: canonical(ip), rest: parts };
  }
  if (parts.length > 3) throw bad(flag, text, 'expected [ip:][hostPort:]containerPort[/protocol]');
  return { ip, rest: parts };
}

function canonical(ip: string): string {
  const a = addressValue(ip)!;
  return formatAddress(a.family, a.value);
}

/** One PublishPort=/--publish value: a mapping per protocol. */
export type { ExposedPort, PortMapping };

export function parsePublish(text: string, flag = '--publish'): PortMapping[] {
  const [spec, proto, ...extra] = text.split('/');
  if (extra.length || !spec) throw bad(flag, text, 'expected [ip:][hostPort:]containerPort[/protocol]');
  const { ip, rest } = hostAddress(flag, text, spec);
  const containerPart = rest[rest.length - 1];
  const hostPart = rest.length === 2 ? rest[0] : '';
  const container = portRange(flag, text, containerPart, 'container port');
  let host = { start: 0, count: container.count };
  if (hostPart) {
    host = portRange(flag, text, hostPart, 'host port');
    if (host.count === 1) host.count = container.count;
    else if (host.count !== container.count)
      throw bad(flag, text, `the host range has ${host.count} ports and the container range ${container.count}`);
    if (host.start + host.count - 1 > 65535) throw bad(flag, text, 'the host range goes past port 65535');
  }
  return protocols(flag, text, proto).map((protocol) => ({
    host_ip: ip,
    container_port: container.start,
    host_port: host.start,
    range: container.count,
    protocol,
  }));
}

/** One ExposeHostPort=/--expose value. */
export function parseExpose(text: string, flag = '--expose'): ExposedPort[] {
  const [spec, proto, ...extra] = text.split('/');
  if (extra.length || !spec) throw bad(flag, text, 'expected port[-end][/protocol]');
  const { start, count } = portRange(flag, text, spec, 'port');
  return protocols(flag, text, proto).map((protocol) => ({ port: start, range: count, protocol }));
}

/** "127.0.0.1:8080->80/tcp" as podman ps shows a mapping (ranges as 8000-8009->9000-9009). */
export function formatMapping(m: PortMapping): string {
  const span = (start: number) => (m.range > 1 ? `${start}-${start + m.range - 1}` : String(start));
  const ip = m.host_ip === '' ? '0.0.0.0' : m.host_ip.includes(':') ? `[${m.host_ip}]` : m.host_ip;
  return `${ip}:${span(m.host_port)}->${span(m.container_port)}/${m.protocol}`;
}

/** Two mappings that would take the same host port. */
export function sameHostPorts(a: PortMapping, b: PortMapping): boolean {
  const anyIp = a.host_ip === '' || b.host_ip === '';
  return (
    a.protocol === b.protocol &&
    (anyIp || a.host_ip === b.host_ip) &&
    a.host_port !== 0 &&
    b.host_port !== 0 &&
    a.host_port <= b.host_port + b.range - 1 &&
    b.host_port <= a.host_port + a.range - 1
  );
}
