// The address allocator (netavark does none): a lease is a file <leases>/<network>/<address>,
// created exclusively (O_EXCL), that names its holder, the container's state directory. No lock:
// two monitors racing for an address cannot both create its file. A lease is given up when its
// container's network is torn down; one whose holder died stays until that teardown (the next
// start of the container, or `ctrmon network prune`), because the dead one's interface may still
// carry the address.
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';
import { readFileIfPresent } from '../fs/read-file';
import { addressValue, contains, formatAddress, lastAddress, parseSubnet } from './address';
import type { NetworkDefinition, SubnetDefinition } from './definition';

export interface Lease {
  network: string;
  address: string;
  /** The holder's container directory. */
  holder: string;
}

const networkDir = (leasesDir: string, network: string) => path.join(leasesDir, network);

function leaseError(message: string, file: string, err?: unknown): CtrmonError {
  return new CtrmonError('ERR_NETWORK', err === undefined ? message : `${message}: ${errorMessage(err)}`, { path: file }, { cause: err });
}

/** The holder of file, or null when it is not there. */
function holderOf(file: string): string | null {
  try {
    return readFileIfPresent(file)?.trim() ?? null;
  } catch (err) {
    throw leaseError('cannot read the address lease', file, err);
  }
}

/** Takes file for holder: true when holder has it now (also when it had it already). */
function take(file: string, holder: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw leaseError('cannot write the address lease', file, err);
    return holderOf(file) === holder;
  }
  try {
    writeSync(fd, `${holder}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The first and last address a subnet leases (its range, less the network address and v4's broadcast), and its gateway. */
function bounds(s: SubnetDefinition): { first: bigint; last: bigint; gateway: bigint | null } {
  const subnet = parseSubnet(s.subnet)!;
  const range = s.lease_range;
  let first = range ? addressValue(range.start_ip)!.value : subnet.base + 1n;
  let last = range ? addressValue(range.end_ip)!.value : lastAddress(subnet) - (subnet.family === 4 ? 1n : 0n);
  if (first <= subnet.base) first = subnet.base + 1n;
  if (subnet.family === 4 && last >= lastAddress(subnet)) last = lastAddress(subnet) - 1n;
  return { first, last, gateway: s.gateway === undefined ? null : addressValue(s.gateway)!.value };
}

/** The addresses a subnet leases, first to last. */
function* candidates(s: SubnetDefinition): Generator<bigint> {
  const { first, last, gateway } = bounds(s);
  for (let a = first; a <= last; a++) if (a !== gateway) yield a;
}

function leasable(s: SubnetDefinition, a: bigint): boolean {
  const { first, last, gateway } = bounds(s);
  return a >= first && a <= last && a !== gateway;
}

/**
 * One address of each of the network's subnets for holder: the wanted ones where given (an address
 * held by another container is refused), else the lowest free; a lease holder already has is kept.
 */
export function leaseAddresses(leasesDir: string, network: NetworkDefinition, holder: string, wanted: string[] = []): string[] {
  const dir = networkDir(leasesDir, network.name);
  for (const w of wanted) {
    const v = addressValue(w)!;
    if (!network.subnets.some((s) => contains(parseSubnet(s.subnet)!, v.family, v.value))) {
      throw leaseError(
        `address ${w} is in none of network ${network.name}'s subnets (${network.subnets.map((s) => s.subnet).join(', ')})`,
        dir,
      );
    }
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw leaseError('cannot make the lease directory', dir, err);
  }
  const taken: string[] = [];
  try {
    for (const s of network.subnets) {
      const subnet = parseSubnet(s.subnet)!;
      const asked = wanted.map((w) => addressValue(w)!).find((w) => contains(subnet, w.family, w.value));
      if (asked) {
        const address = formatAddress(asked.family, asked.value);
        if (!leasable(s, asked.value))
          throw leaseError(
            `address ${address} of network ${network.name} is not one a container can have (the network's own, its gateway or its broadcast, or outside its range)`,
            dir,
          );
        if (!take(path.join(dir, address), holder)) {
          throw leaseError(`address ${address} of network ${network.name} is held by ${holderOf(path.join(dir, address))}`, dir);
        }
        taken.push(address);
        continue;
      }
      // An address the holder has already (a leftover's) is kept rather than a second one taken.
      let got = ownLeases(dir, holder).find((a) => {
        const v = addressValue(a);
        return v !== null && contains(subnet, v.family, v.value);
      });
      for (const a of got ? [] : candidates(s)) {
        const address = formatAddress(subnet.family, a);
        if (take(path.join(dir, address), holder)) {
          got = address;
          break;
        }
      }
      if (!got) throw leaseError(`network ${network.name} has no free address left in ${s.subnet}`, dir);
      taken.push(got);
    }
  } catch (err) {
    for (const address of taken) releaseAddress(leasesDir, network.name, address, holder);
    throw err;
  }
  return taken;
}

function ownLeases(dir: string, holder: string): string[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files.filter((f) => holderOf(path.join(dir, f)) === holder);
}

/** Gives a lease up, if holder holds it. */
export function releaseAddress(leasesDir: string, network: string, address: string, holder: string): void {
  const file = path.join(networkDir(leasesDir, network), address);
  if (holderOf(file) === holder) rmSync(file, { force: true });
}

/** Every lease, for prune and for a network's users. */
export function listLeases(leasesDir: string): Lease[] {
  const out: Lease[] = [];
  let networks: string[] = [];
  try {
    networks = readdirSync(leasesDir);
  } catch {
    return out;
  }
  for (const network of networks) {
    let files: string[] = [];
    try {
      files = readdirSync(networkDir(leasesDir, network));
    } catch {
      continue;
    }
    for (const address of files) {
      const holder = holderOf(path.join(networkDir(leasesDir, network), address));
      if (holder !== null) out.push({ network, address, holder });
    }
  }
  return out;
}
