// The container's network, as the options ask: on a bridge or named network, a namespace that
// netavark sets up (network/attachment.ts), with the container's own /etc/hosts and resolv.conf;
// with host or none, those files only when --add-host or --dns asks for them. The network modules
// (and node:crypto) load only for a bridged container: a monitor on the host's network never pays
// for them.
import * as path from 'node:path';

import { isBridged } from '../config/network-values';
import type { MonitorOptions } from '../config/monitor-options';
import { errorMessage } from '../errors';
import type { Logger } from '../log';
import { stateError } from '../state/directory';
import { addressValue } from '../network/address';
import { hostsFile, parseAddHost, resolvFile } from '../network/etc-files';
import { parseExpose, parsePublish } from '../network/ports';
import type { SpecOptions } from '../spec/pipeline';
import type { NetworkMode } from '../spec/steps/network';
import { replaceFile } from '../fs/durable-file';
import type { NetworkState } from '../state/types';

export interface ContainerNetwork {
  spec: Pick<SpecOptions, 'network' | 'netnsPath' | 'etcFiles'>;
  /** Settles when the container may start: its network is set up. */
  ready: Promise<void>;
  state: NetworkState | null;
  /** Tears down what was set up (nothing, without a network of its own). */
  release(): Promise<void>;
}

export async function openContainerNetwork(o: MonitorOptions, dir: string, log: Logger): Promise<ContainerNetwork> {
  const addHosts = o.addHosts.map((h) => parseAddHost(h));
  const exposed = o.expose.flatMap((e) => parseExpose(e));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    replaceFile(file, text, false);
    return file;
  };
  if (!isBridged(o.network)) {
    const mode = o.network as NetworkMode | undefined;
    const asked = o.dns.servers.length + o.dns.search.length + o.dns.options.length > 0;
    return {
      spec: {
        network: mode,
        etcFiles: {
          ...(addHosts.length ? { hosts: write('hosts', hostsFile({ addHosts })) } : {}),
          ...(asked ? { resolv: write('resolv.conf', resolvFile({ aardvark: [], asked: o.dns })) } : {}),
        },
      },
      ready: Promise.resolve(),
      state: mode === undefined && !exposed.length ? null : { mode: mode ?? 'bundle', network: null, addresses: [], ports: [], exposed },
      release: async () => undefined,
    };
  }
  const [{ attachNetwork }, { findNetwork }] = await Promise.all([import('../network/attachment'), import('../network/store')]);
  const network = findNetwork(o.networksDir!, o.network!);
  const attachment = await attachNetwork(
    {
      stateDir: o.stateDir,
      containerDir: dir,
      name: o.name,
      network,
      publish: o.publish.flatMap((p) => parsePublish(p)),
      ips: o.ips,
      aliases: o.networkAliases,
    },
    log,
  );
  const { record } = attachment;
  const gateway = attachment.gateways.find((g) => addressValue(g)?.family === 4) ?? attachment.gateways[0];
  let etcFiles: { hosts: string; resolv: string };
  try {
    const hosts = hostsFile({ addHosts, self: { addresses: record.addresses, names: [o.hostname ?? o.name, o.name] }, gateway });
    const resolv = resolvFile({ aardvark: network.dns_enabled ? attachment.gateways : [], asked: o.dns });
    etcFiles = { hosts: write('hosts', hosts), resolv: write('resolv.conf', resolv) };
  } catch (err) {
    // Not handed to the monitor yet: its release stack could not tear this down.
    await attachment.detach().catch((e) => log.warn({ err: errorMessage(e) }, 'could not tear down the network after a failure'));
    throw stateError("write the container's hosts and resolv.conf in", dir, err);
  }
  return {
    spec: { netnsPath: record.netnsPath, etcFiles },
    ready: attachment.ready.then((status) => log.debug({ status }, 'the network is set up')),
    state: { mode: o.network!, network: network.name, addresses: record.addresses, ports: record.input.port_mappings, exposed },
    release: () => attachment.detach(),
  };
}
