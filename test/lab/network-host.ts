// A host of its own for the network tests: a process holding a new network and mount namespace
// (a tmpfs /run/netns, lo up with a second address), in which ctrmon, curl and
// iptables run through nsenter. Bridges, veths and rules stay inside it and die with it, and it
// outlives a monitor killed in it, as a real host does.
import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { findNetworkTools } from '../../src/network/netavark';
import { setTimeout as delay } from 'node:timers/promises';

/** The host's other address (on lo), where only ports published on every address answer. */
export const OTHER_ADDRESS = '10.99.0.1';

/** An IPv6 address of the host (IPv6 loopback is not forwarded to containers). */
export const OTHER_ADDRESS6 = 'fd99::1';

/** Why the network tests cannot run here, or false. */
export const networkSkipReason = ((): string | false => {
  if (process.getuid?.() !== 0) return 'needs root (bridges, iptables)';
  try {
    findNetworkTools();
  } catch (err) {
    return (err as Error).message;
  }
  if (spawnSync('curl', ['--version']).status !== 0) return 'curl is not installed';
  return false;
})();

const SETUP = [
  'mount -t tmpfs tmpfs /run/netns',
  'ip link set lo up',
  `ip addr add ${OTHER_ADDRESS}/32 dev lo`,
  // nodad: usable at once, not tentative while duplicate address detection runs.
  `ip addr add ${OTHER_ADDRESS6}/128 dev lo nodad`,
].join(' && ');

/** What the container networks left on the host: the numbers a teardown must bring back. */
export interface Footprint {
  /** iptables rules of a container or a network (port forwarding, masquerading, forwarding). */
  rules: string[];
  veths: number;
  bridges: string[];
  namespaces: string[];
  leases: string[];
}

export class NetworkHost {
  private constructor(private readonly holder: ChildProcess) {}

  static async start(): Promise<NetworkHost> {
    const holder = spawn('unshare', ['--mount', '--net', '--propagation', 'private', 'sh', '-c', `${SETUP} && exec sleep infinity`], {
      stdio: 'ignore',
    });
    const host = new NetworkHost(holder);
    for (let i = 0; i < 100; i++) {
      if (host.exec(['ip', 'addr', 'show', 'lo']).stdout.includes(OTHER_ADDRESS)) return host;
      if (holder.exitCode !== null) break;
      await delay(20);
    }
    holder.kill('SIGKILL');
    throw new Error('the network host did not come up');
  }

  /** The wrap (StartOptions.wrap) that runs a command on this host. */
  get wrap(): string[] {
    return ['nsenter', '-t', String(this.holder.pid), '-m', '-n', '--'];
  }

  exec(command: string[]): SpawnSyncReturns<string> {
    return spawnSync(this.wrap[0], [...this.wrap.slice(1), ...command], { encoding: 'utf8' });
  }

  /** curl's body, or null when the port does not answer within a second. */
  get(address: string, port: number): string | null {
    const host = address.includes(':') ? `[${address}]` : address;
    const r = this.exec(['curl', '-s', '-m', '1', `http://${host}:${port}/`]);
    return r.status === 0 ? r.stdout : null;
  }

  /** why: what to say if nothing answers (the monitor's output). */
  async waitForAnswer(address: string, port: number, why: () => string = () => '', timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const body = this.get(address, port);
      if (body !== null) return body;
      if (Date.now() > deadline) throw new Error(`nothing answered on ${address}:${port}: ${why()}`);
      await delay(50);
    }
  }

  footprint(stateDir: string): Footprint {
    return networkFootprint((command) => this.exec(command), stateDir);
  }

  stop(): void {
    this.holder.kill('SIGKILL');
  }
}

type Exec = (command: string[]) => SpawnSyncReturns<string>;

/** The footprint of the networks of a host, run through exec (nsenter into the host's namespaces). */
export function networkFootprint(exec: Exec, stateDir: string): Footprint {
  const rules = ['nat', 'filter']
    .flatMap((table) =>
      exec(['iptables', '-t', table, '-S'])
        .stdout.split('\n')
        .filter((l) => /^-A /.test(l) && /NETAVARK-DN-|-j DNAT|MASQUERADE|NETAVARK-[0-9A-F]{13}|-s 10\.|-d 10\./.test(l))
        // netavark's shared base, which it leaves in place (as under podman), holds no container's rule.
        .filter((l) => !/portfw masq mark/.test(l)),
    )
    .sort();
  const links = exec(['ip', '-o', 'link', 'show']).stdout;
  const bridges = exec(['ip', '-o', 'link', 'show', 'type', 'bridge'])
    .stdout.split('\n')
    .filter(Boolean)
    .map((l) => l.split(': ')[1]);
  const namespaces = exec(['ls', '/run/netns']).stdout.split('\n').filter(Boolean);
  const leasesDir = path.join(stateDir, '.network', 'leases');
  const leases = exec(['find', leasesDir, '-type', 'f'])
    .stdout.split('\n')
    .filter(Boolean)
    .map((f) => path.relative(leasesDir, f))
    .sort();
  return { rules, veths: (links.match(/veth/g) ?? []).length, bridges, namespaces, leases };
}
