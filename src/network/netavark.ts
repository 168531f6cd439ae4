// podman's network engine, run as podman runs it: `netavark --config <dir> setup|teardown <netns>`
// with the container's networks as JSON on stdin. netavark makes the bridge, the veth pair, the
// addresses and the firewall rules, and starts aardvark-dns for a network with DNS (in a scope of
// its own under systemd, so that it outlives the unit that started it). The namespaces it sets up
// are named ones (`ip netns`), which outlive a killed monitor, so that a teardown can still enter
// them. Errors come back as netavark's {"error": ...} line, named with the command that failed.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError } from '../errors';
import { FileLock, type SystemError } from '../native';
import { run } from '../process/spawn';
import type { NetworkDefinition } from './definition';
import type { PortMapping } from './ports';

/** Where Debian's packages (and then Fedora's) install podman's helpers. */
const HELPER_DIRS = ['/usr/lib/podman', '/usr/libexec/podman', '/usr/local/libexec/podman', '/usr/local/lib/podman'];
const SBIN = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];
const NETAVARK_TIMEOUT_MS = 30_000;
/** How often a netavark run waits for another's to end, and for how long at most. */
const LOCK_POLL_MS = 5;
const LOCK_WAIT_MS = 60_000;
export const NETNS_DIR = '/run/netns';

/** netavark's setup input: what it reads on stdin for one container. */
export interface NetavarkInput {
  container_id: string;
  container_name: string;
  port_mappings: PortMapping[];
  networks: Record<string, { static_ips: string[]; aliases: string[]; interface_name: string }>;
  network_info: Record<string, NetworkDefinition>;
}

/** What setup prints, per network: the interface made in the container and its addresses. */
export type NetavarkStatus = Record<
  string,
  {
    interfaces?: Record<string, { mac_address?: string; subnets?: { ipnet: string; gateway?: string }[] }>;
    dns_server_ips?: string[];
    dns_search_domains?: string[];
  }
>;

export interface NetworkTools {
  netavark: string;
  aardvark: string;
  ip: string;
}

function firstExisting(dirs: string[], name: string): string | undefined {
  return dirs.map((d) => path.join(d, name)).find((f) => existsSync(f));
}

/** The binaries a bridged container needs, or one line naming the one missing and its package. */
export function findNetworkTools(env: NodeJS.ProcessEnv = process.env): NetworkTools {
  const pathDirs = (env.PATH ?? '').split(':').filter((d) => d.startsWith('/'));
  const need = (found: string | undefined, what: string, pkg: string) => {
    if (found) return found;
    throw new CtrmonError('ERR_NETWORK', `${what} is not installed (Debian package ${pkg}): bridged networks need it`, { name: what });
  };
  const netavark = need(firstExisting(HELPER_DIRS, 'netavark'), 'netavark', 'netavark');
  const aardvark = need(firstExisting(HELPER_DIRS, 'aardvark-dns'), 'aardvark-dns', 'aardvark-dns');
  const ip = need(firstExisting([...pathDirs, ...SBIN], 'ip'), 'ip', 'iproute2');
  need(firstExisting([...pathDirs, ...SBIN], 'iptables'), 'iptables', 'iptables');
  return { netavark, aardvark, ip };
}

export class Netavark {
  constructor(
    private readonly tools: NetworkTools,
    /** netavark's --config: aardvark-dns's records and its lock. */
    private readonly configDir: string,
  ) {}

  async setup(netns: string, input: NetavarkInput): Promise<NetavarkStatus> {
    const out = await this.netavark('setup', netns, input);
    try {
      return JSON.parse(out) as NetavarkStatus;
    } catch {
      throw new CtrmonError('ERR_NETWORK', `netavark setup printed no status: ${out.slice(0, 200)}`, { path: netns });
    }
  }

  async teardown(netns: string, input: NetavarkInput): Promise<void> {
    await this.netavark('teardown', netns, input);
  }

  /** A named network namespace at NETNS_DIR/name. */
  async addNamespace(name: string): Promise<string> {
    await this.ip(['netns', 'add', name]);
    return path.join(NETNS_DIR, name);
  }

  async deleteNamespace(name: string): Promise<void> {
    if (existsSync(path.join(NETNS_DIR, name))) await this.ip(['netns', 'delete', name]);
  }

  /**
   * Forgets the host's neighbour entries for addresses: a container that takes an address back at
   * once (a restart) has a new MAC, and the bridge's entry for the old one stays reachable for up to
   * half a minute, in which what the host sends to the address goes to a MAC that is gone.
   */
  async forgetNeighbours(addresses: string[]): Promise<void> {
    if (!addresses.length) return;
    await this.ip(['-force', '-batch', '-'], addresses.map((a) => `neigh flush to ${a}\n`).join(''));
  }

  private async ip(args: string[], input?: string): Promise<void> {
    const r = await run(this.tools.ip, args, { input });
    if (r.code !== 0) throw new CtrmonError('ERR_NETWORK', `ip ${args.join(' ')} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  }

  /**
   * One netavark run at a time per config directory, as podman's network library runs it: two at
   * once race on the bridge and the shared chains (one's teardown removes what the other's setup
   * needs). The flock dies with its holder, however it dies.
   */
  private async locked<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const file = path.join(this.configDir, 'netavark.lock');
    const deadline = Date.now() + LOCK_WAIT_MS;
    let lock: FileLock | undefined;
    while (!lock) {
      try {
        lock = new FileLock(file);
      } catch (err) {
        const code = (err as SystemError).code;
        if (code !== 'EWOULDBLOCK' && code !== 'EAGAIN')
          throw new CtrmonError('ERR_NETWORK', `cannot lock ${file}: ${(err as Error).message}`, { path: file });
        if (Date.now() > deadline)
          throw new CtrmonError('ERR_NETWORK', `${what}: another netavark run held ${file} for ${LOCK_WAIT_MS} ms`, { path: file });
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      }
    }
    try {
      return await fn();
    } finally {
      lock.release();
    }
  }

  private netavark(command: 'setup' | 'teardown', netns: string, input: NetavarkInput): Promise<string> {
    return this.locked(`netavark ${command}`, () => this.runNetavark(command, netns, input));
  }

  private async runNetavark(command: 'setup' | 'teardown', netns: string, input: NetavarkInput): Promise<string> {
    const args = ['--config', this.configDir, '--rootless', 'false', '--aardvark-binary', this.tools.aardvark, command, netns];
    const r = await run(this.tools.netavark, args, { input: JSON.stringify(input), timeoutMs: NETAVARK_TIMEOUT_MS });
    if (r.code === 0) return r.stdout;
    let why = r.signal ? `killed after ${NETAVARK_TIMEOUT_MS} ms` : r.stderr.trim() || `exit ${r.code}`;
    try {
      why = (JSON.parse(r.stdout) as { error: string }).error;
    } catch {
      // not netavark's error line: keep stderr
    }
    throw new CtrmonError('ERR_NETWORK', `netavark ${command} of ${input.container_name} failed: ${why}`, {
      name: input.container_name,
      path: netns,
    });
  }
}
