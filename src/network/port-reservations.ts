// The host ports a container publishes, held open by its monitor for as long as it runs, as podman
// holds them: netavark's DNAT rules take no port, so without this a second container, or any host
// process, could take the same port and one of them would silently lose its traffic. A port taken
// already is refused before anything is set up. A host port of 0 becomes a free one here.
import * as dgram from 'node:dgram';
import * as net from 'node:net';

import { CtrmonError, errorMessage } from '../errors';
import { type PortMapping, formatMapping, sameHostPorts } from './ports';

type Holder = net.Server | dgram.Socket;

export class PortReservations {
  private constructor(
    private readonly holders: Holder[],
    /** The mappings with every host port chosen. */
    readonly mappings: PortMapping[],
  ) {}

  static async reserve(asked: PortMapping[]): Promise<PortReservations> {
    for (let i = 0; i < asked.length; i++) {
      const clash = asked.slice(0, i).find((m) => sameHostPorts(m, asked[i]));
      if (clash) throw portInUse(asked[i], `it is published twice (${formatMapping(clash)})`);
    }
    const holders: Holder[] = [];
    const mappings: PortMapping[] = [];
    try {
      for (const m of asked) {
        if (m.host_port !== 0) {
          for (let p = 0; p < m.range; p++) holders.push(await hold(m, m.host_port + p));
          mappings.push(m);
          continue;
        }
        // Any free port, one at a time: the kernel's choices need not be consecutive.
        for (let p = 0; p < m.range; p++) {
          const holder = await hold(m, 0);
          holders.push(holder);
          mappings.push({ ...m, container_port: m.container_port + p, host_port: portOf(holder), range: 1 });
        }
      }
    } catch (err) {
      for (const h of holders) h.close();
      throw err;
    }
    return new PortReservations(holders, mappings);
  }

  release(): void {
    for (const h of this.holders.splice(0)) h.close();
  }
}

function portOf(h: Holder): number {
  return h instanceof net.Server ? (h.address() as net.AddressInfo).port : h.address().port;
}

function portInUse(m: PortMapping, why: string): CtrmonError {
  return new CtrmonError('ERR_PORT_IN_USE', `cannot publish ${formatMapping(m)}: ${why}`, { name: formatMapping(m) });
}

function hold(m: PortMapping, port: number): Promise<Holder> {
  const host = m.host_ip === '' ? '0.0.0.0' : m.host_ip;
  const family = net.isIP(host) === 6 ? 6 : 4;
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => {
      const shown = { ...m, host_port: port, range: 1 };
      reject(
        err.code === 'EADDRINUSE'
          ? portInUse(shown, `host port ${port}/${m.protocol} is already in use`)
          : portInUse(shown, `cannot bind host port ${port}/${m.protocol} on ${host}: ${errorMessage(err)}`),
      );
    };
    if (m.protocol === 'udp') {
      const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
      socket.once('error', fail);
      socket.bind({ port, address: host, exclusive: true }, () => {
        socket.off('error', fail);
        socket.on('error', () => undefined);
        resolve(socket);
      });
      return;
    }
    // Connections reach the container through the DNAT rules; one that reaches the holder is closed.
    const server = net.createServer({ pauseOnConnect: true }, (s) => s.destroy());
    server.once('error', fail);
    server.listen({ port, host, exclusive: true, ipv6Only: family === 6 }, () => {
      server.off('error', fail);
      resolve(server);
    });
  });
}
