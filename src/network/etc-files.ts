// /etc/hosts and /etc/resolv.conf for a container of its own network, as podman writes them: the
// hosts file starts from the host's, then AddHost= entries, the container's own name and address,
// and host.containers.internal (the host, at the gateway); resolv.conf names aardvark-dns where the
// network has DNS, then DNS= servers, or else the host's nameservers (loopback ones cannot be
// reached from the container's namespace and are left out, with no off-machine fallback).
import { readFileSync } from 'node:fs';

import { CtrmonError } from '../errors';
import { addressValue, formatAddress } from './address';

export const HOST_GATEWAY = 'host-gateway';
export const HOST_NAMES = ['host.containers.internal', 'host.docker.internal'];
/** aardvark-dns's search domain. */
export const DNS_DOMAIN = 'dns.podman';

export interface AddHost {
  names: string[];
  /** An address, or host-gateway. */
  address: string;
}

export interface DnsSettings {
  servers: string[];
  search: string[];
  options: string[];
}

/** One AddHost=/--add-host value: name[;name...]:address, the address an IP or host-gateway. */
export function parseAddHost(text: string, flag = '--add-host'): AddHost {
  const colon = text.indexOf(':');
  const names = text.slice(0, colon).split(';');
  const address = text.slice(colon + 1).replace(/^\[(.*)\]$/, '$1');
  if (colon < 1 || !names.every((n) => /^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(n)))
    throw new CtrmonError('ERR_INVALID_OPTION', `${flag} ${JSON.stringify(text)}: expected host:address (db:10.0.0.5, gw:host-gateway)`);
  if (address !== HOST_GATEWAY) {
    const a = addressValue(address);
    if (!a)
      throw new CtrmonError('ERR_INVALID_OPTION', `${flag} ${JSON.stringify(text)}: "${address}" is not an IP address or host-gateway`);
    return { names, address: formatAddress(a.family, a.value) };
  }
  return { names, address };
}

export function checkDnsServer(text: string): string {
  const a = addressValue(text);
  if (!a) throw new CtrmonError('ERR_INVALID_OPTION', `--dns ${JSON.stringify(text)}: not an IP address`);
  return formatAddress(a.family, a.value);
}

function readHostFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export interface HostsInputs {
  addHosts: AddHost[];
  /** The container's own entry: its addresses, hostname and name. */
  self?: { addresses: string[]; names: string[] };
  /** The host's address as the container reaches it (the gateway); none on a network without one. */
  gateway?: string;
  /** The host's /etc/hosts, read by default. */
  base?: string;
}

export function hostsFile(i: HostsInputs): string {
  let base = i.base ?? readHostFile('/etc/hosts');
  if (!base.trim()) base = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n';
  const lines = [base.trimEnd(), '# added by ctrmon'];
  for (const h of i.addHosts) {
    const address = h.address === HOST_GATEWAY ? i.gateway : h.address;
    if (address === undefined)
      throw new CtrmonError('ERR_INVALID_OPTION', `--add-host ${h.names[0]}:host-gateway: this network has no gateway to the host`);
    lines.push(`${address}\t${h.names.join(' ')}`);
  }
  for (const a of i.self?.addresses ?? []) lines.push(`${a}\t${[...new Set(i.self!.names)].join(' ')}`);
  if (i.gateway) lines.push(`${i.gateway}\t${HOST_NAMES.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** The host's resolv.conf, parsed: what a container gets when nothing is given. */
export function hostDns(text = readHostFile('/etc/resolv.conf')): DnsSettings {
  const out: DnsSettings = { servers: [], search: [], options: [] };
  for (const line of text.split('\n')) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === 'nameserver' && values[0] && !isLoopback(values[0])) out.servers.push(values[0]);
    else if (key === 'search' || key === 'domain') out.search = values;
    else if (key === 'options') out.options.push(...values);
  }
  return out;
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

export interface ResolvInputs {
  /** aardvark-dns's addresses (the gateways of a network with DNS). */
  aardvark: string[];
  /** What DNS=, DNSSearch= and DNSOption= gave (empty: the host's). */
  asked: DnsSettings;
  host?: DnsSettings;
}

export function resolvFile(i: ResolvInputs): string {
  const host = i.host ?? hostDns();
  const servers = [...i.aardvark, ...(i.asked.servers.length ? i.asked.servers : host.servers)];
  const search = [...(i.aardvark.length ? [DNS_DOMAIN] : []), ...(i.asked.search.length ? i.asked.search : host.search)];
  const options = i.asked.options.length ? i.asked.options : host.options;
  const lines = [
    ...(search.length ? [`search ${[...new Set(search)].join(' ')}`] : []),
    ...[...new Set(servers)].map((s) => `nameserver ${s}`),
    ...(options.length ? [`options ${options.join(' ')}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
