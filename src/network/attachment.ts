// A container's place on a bridge network, from start to end:
//
//   a leftover of this container (a killed monitor's) is torn down -> host ports reserved ->
//   addresses leased -> the record written (network.json, before the host changes) -> a named
//   network namespace -> netavark setup (run while the runtime creates the container; awaited
//   before it starts) ... -> netavark teardown -> namespace deleted -> leases given up -> record
//   removed -> ports released
//
// Everything a teardown needs is in the record, so that the next start of the name, or `ctrmon
// network prune`, undoes what a killed monitor left: the same container id and ports make netavark
// remove exactly its rules, and a namespace that is gone is made again for the teardown to enter.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';

import { CtrmonError, errorMessage } from '../errors';
import { replaceFile } from '../fs/durable-file';
import { readFileIfPresent } from '../fs/read-file';
import type { Logger } from '../log';
import type { NetworkDefinition } from './definition';
import { leaseAddresses, listLeases, releaseAddress } from './leases';
import { type NetavarkInput, type NetavarkStatus, Netavark, findNetworkTools } from './netavark';
import { leasesDir, netavarkConfigDir, networkRecordFile } from './paths';
import { PortReservations } from './port-reservations';
import { type PortMapping, formatMapping } from './ports';
import { addressValue, parseSubnet } from './address';

export const RECORD_VERSION = 1;

/** What was set up for a container, for its teardown: <state-dir>/<name>/network.json. */
export interface NetworkRecord {
  version: number;
  /** The `ip netns` name and its path. */
  netns: string;
  netnsPath: string;
  network: string;
  addresses: string[];
  input: NetavarkInput;
}

export interface AttachRequest {
  stateDir: string;
  containerDir: string;
  name: string;
  network: NetworkDefinition;
  publish: PortMapping[];
  ips: string[];
  aliases: string[];
}

export interface Attachment {
  record: NetworkRecord;
  /** The gateways, for host.containers.internal and aardvark-dns. */
  gateways: string[];
  /** netavark setup, under way: the container must not start before it settles. */
  ready: Promise<NetavarkStatus>;
  detach(): Promise<void>;
}

/** netavark's container id: stable for a container directory, so that a teardown names the same rules. */
function containerId(containerDir: string): string {
  return createHash('sha256').update(containerDir).digest('hex');
}

function readRecord(file: string): NetworkRecord | null {
  let text: string | undefined;
  try {
    text = readFileIfPresent(file);
  } catch (err) {
    throw new CtrmonError('ERR_NETWORK', `cannot read ${file}: ${errorMessage(err)}`, { path: file }, { cause: err });
  }
  if (text === undefined) return null;
  try {
    const record = JSON.parse(text) as NetworkRecord;
    if (record.version === RECORD_VERSION && record.input?.container_id) return record;
  } catch {
    // reported below
  }
  throw new CtrmonError('ERR_NETWORK', `${file} is not a network record of ctrmon's: remove it and what it set up by hand`, { path: file });
}

/** A port on a host address of a family the network has no subnet of would be forwarded nowhere. */
function checkFamilies(r: AttachRequest): void {
  const families = new Set(r.network.subnets.map((s) => parseSubnet(s.subnet)!.family));
  for (const m of r.publish) {
    const family = m.host_ip === '' ? 4 : addressValue(m.host_ip)!.family;
    if (!families.has(family))
      throw new CtrmonError(
        'ERR_NETWORK',
        `cannot publish ${formatMapping(m)}: network ${r.network.name} has no IPv${family} subnet (ctrmon network create --ipv6 makes one with both)`,
        { name: r.network.name },
      );
  }
}

export async function attachNetwork(r: AttachRequest, log: Logger): Promise<Attachment> {
  if (process.getuid?.() !== 0)
    throw new CtrmonError(
      'ERR_NETWORK',
      `network ${r.network.name}: a bridge network needs root (netavark sets up the host's bridge and firewall); as a user, use --network host or none`,
      { name: r.network.name },
    );
  checkFamilies(r);
  const tools = findNetworkTools();
  const netavark = new Netavark(tools, netavarkConfigDir(r.stateDir));
  await removeLeftover(r.stateDir, r.containerDir, log, netavark);
  const ports = await PortReservations.reserve(r.publish);
  const leases = leasesDir(r.stateDir);
  let addresses: string[] = [];
  let record: NetworkRecord | undefined;
  // After a teardown that failed on a network that was set up, the record and the leases stay, for
  // the next start or a prune to finish; after a set-up that failed, there is nothing more to undo.
  const undo = async (wasSetUp: boolean) => {
    try {
      if (record) await teardown(netavark, record, log);
    } catch (err) {
      if (wasSetUp) {
        ports.release();
        throw err;
      }
      log.debug({ err: errorMessage(err) }, 'the teardown after a failed set-up found nothing to remove');
    }
    for (const a of addresses) releaseAddress(leases, r.network.name, a, r.containerDir);
    rmSync(networkRecordFile(r.containerDir), { force: true });
    ports.release();
  };
  try {
    addresses = leaseAddresses(leases, r.network, r.containerDir, r.ips);
    const id = containerId(r.containerDir);
    const netns = `ctrmon-${id.slice(0, 16)}`;
    record = {
      version: RECORD_VERSION,
      netns,
      netnsPath: `/run/netns/${netns}`,
      network: r.network.name,
      addresses,
      input: {
        container_id: id,
        container_name: r.name,
        port_mappings: ports.mappings,
        networks: { [r.network.name]: { static_ips: addresses, aliases: r.aliases, interface_name: 'eth0' } },
        network_info: { [r.network.name]: r.network },
      },
    };
    mkdirSync(netavarkConfigDir(r.stateDir), { recursive: true });
    replaceFile(networkRecordFile(r.containerDir), `${JSON.stringify(record, null, 2)}\n`);
    record.netnsPath = await netavark.addNamespace(netns);
  } catch (err) {
    await undo(false).catch((e) => log.warn({ err: errorMessage(e) }, 'could not undo a network setup that failed'));
    throw err;
  }
  const setup = netavark.setup(record.netnsPath, record.input);
  setup.catch(() => undefined); // awaited by the monitor; a failure is its to report
  log.debug({ network: r.network.name, addresses, netns: record.netnsPath }, 'network namespace made; netavark setup started');
  return {
    record,
    gateways: r.network.subnets.map((s) => s.gateway).filter((g): g is string => g !== undefined),
    ready: setup,
    detach: async () =>
      undo(
        await setup.then(
          () => true,
          () => false,
        ),
      ),
  };
}

/** netavark teardown of a record (its namespace made again if it is gone), then the namespace deleted. */
async function teardown(netavark: Netavark, record: NetworkRecord, log: Logger): Promise<void> {
  let netnsPath = record.netnsPath;
  if (!existsSync(netnsPath)) {
    // Gone (deleted by hand): netavark must enter a namespace to tear down, and set up to know the
    // veth it looks for; setting up again is idempotent, so a fresh one makes the teardown whole.
    netnsPath = await netavark.addNamespace(record.netns);
    await netavark.setup(netnsPath, record.input).catch((err) => log.warn({ err: errorMessage(err) }, 'set-up before a teardown failed'));
  }
  try {
    await netavark.teardown(netnsPath, record.input);
  } finally {
    await netavark.deleteNamespace(record.netns);
  }
  await netavark.forgetNeighbours(record.addresses);
}

/** Tears down what a previous monitor of this container left, and gives up every lease it held. */
/** netavark: the caller's, when it has one already. */
export async function removeLeftover(stateDir: string, containerDir: string, log: Logger, netavark?: Netavark): Promise<boolean> {
  const file = networkRecordFile(containerDir);
  const record = readRecord(file);
  const leases = leasesDir(stateDir);
  const held = listLeases(leases).filter((l) => l.holder === containerDir);
  if (!record && !held.length) return false;
  if (record) {
    log.info(
      { netns: record.netns, ports: record.input.port_mappings.length },
      'removing the network a previous monitor of this container left',
    );
    await teardown(netavark ?? new Netavark(findNetworkTools(), netavarkConfigDir(stateDir)), record, log);
  }
  for (const l of held) releaseAddress(leases, l.network, l.address, containerDir);
  rmSync(file, { force: true });
  return true;
}
