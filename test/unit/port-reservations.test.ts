// The host ports a container publishes, held by its monitor (src/network/port-reservations.ts), on
// 127.0.0.1 with real sockets: a port another socket has is refused naming it, host port 0 becomes
// a real one, a port published twice is refused before anything is bound, a failure gives back what
// was taken, and release() frees every port; tcp and udp alike.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { describe, test } from 'node:test';

import { PortReservations } from '../../src/network/port-reservations';
import type { PortMapping } from '../../src/network/ports';

const LOCAL = '127.0.0.1';
const mapping = (m: Partial<PortMapping>): PortMapping => ({
  host_ip: LOCAL,
  container_port: 80,
  host_port: 0,
  range: 1,
  protocol: 'tcp',
  ...m,
});

/** A socket of our own on a port of protocol: resolves with its port, or rejects with the bind's error. */
function bind(protocol: 'tcp' | 'udp', port = 0): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    if (protocol === 'udp') {
      const socket = dgram.createSocket('udp4');
      socket.once('error', reject);
      socket.bind(port, LOCAL, () =>
        resolve({ port: socket.address().port, close: () => new Promise((done) => socket.close(() => done())) }),
      );
      return;
    }
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, LOCAL, () =>
      resolve({ port: (server.address() as net.AddressInfo).port, close: () => new Promise((done) => server.close(() => done())) }),
    );
  });
}

/** Whether we can bind the port ourselves now. */
async function isFree(protocol: 'tcp' | 'udp', port: number): Promise<boolean> {
  try {
    await (await bind(protocol, port)).close();
    return true;
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'EADDRINUSE', String(err));
    return false;
  }
}

/** A port that was free a moment ago (the kernel's choice, given back). */
async function freePort(protocol: 'tcp' | 'udp'): Promise<number> {
  const s = await bind(protocol);
  await s.close();
  return s.port;
}

/** A port free a moment ago for tcp and for udp. */
async function freeForBoth(): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const port = await freePort('tcp');
    if (await isFree('udp', port)) return port;
  }
  throw new Error('found no port free for both tcp and udp in 20 tries');
}

for (const protocol of ['tcp', 'udp'] as const) {
  describe(`${protocol} ports`, () => {
    test('a port another socket holds is refused, naming the mapping and the port', async () => {
      const other = await bind(protocol);
      try {
        await assert.rejects(PortReservations.reserve([mapping({ host_port: other.port, protocol })]), {
          code: 'ERR_PORT_IN_USE',
          message: new RegExp(
            `^cannot publish 127\\.0\\.0\\.1:${other.port}->80/${protocol}: host port ${other.port}/${protocol} is already in use$`,
          ),
        });
      } finally {
        await other.close();
      }
    });

    test('a given port is held until release(), then free', async () => {
      const port = await freePort(protocol);
      const r = await PortReservations.reserve([mapping({ host_port: port, protocol })]);
      assert.deepEqual(r.mappings, [mapping({ host_port: port, protocol })]);
      assert.equal(await isFree(protocol, port), false, 'held');
      r.release();
      assert.equal(await isFree(protocol, port), true, 'released');
      r.release();
    });

    test('host port 0 becomes a real one for each port of a range, held until release()', async () => {
      const r = await PortReservations.reserve([mapping({ container_port: 9000, range: 3, protocol })]);
      assert.deepEqual(
        r.mappings.map((m) => [m.host_ip, m.container_port, m.range, m.protocol]),
        [9000, 9001, 9002].map((p) => [LOCAL, p, 1, protocol]),
      );
      const ports = r.mappings.map((m) => m.host_port);
      for (const p of ports) assert.ok(p > 0 && p < 65536, String(p));
      assert.equal(new Set(ports).size, 3, ports.join(' '));
      for (const p of ports) assert.equal(await isFree(protocol, p), false, `${p} held`);
      r.release();
      for (const p of ports) assert.equal(await isFree(protocol, p), true, `${p} released`);
    });

    test('a failure gives back the ports taken before it', async () => {
      const first = await freePort(protocol);
      const other = await bind(protocol);
      try {
        await assert.rejects(
          PortReservations.reserve([
            mapping({ host_port: first, protocol }),
            mapping({ host_port: other.port, container_port: 81, protocol }),
          ]),
          { code: 'ERR_PORT_IN_USE', message: new RegExp(`host port ${other.port}/${protocol} is already in use$`) },
        );
        assert.equal(await isFree(protocol, first), true, `${first} given back`);
      } finally {
        await other.close();
      }
    });
  });
}

describe('mappings published twice', () => {
  test('the same host port twice is refused before anything is bound, naming both', async () => {
    // No socket is opened for these: the check comes first, so the ports need not be free.
    await assert.rejects(PortReservations.reserve([mapping({ host_port: 8080 }), mapping({ host_port: 8080, container_port: 81 })]), {
      code: 'ERR_PORT_IN_USE',
      message: /^cannot publish 127\.0\.0\.1:8080->81\/tcp: it is published twice \(127\.0\.0\.1:8080->80\/tcp\)$/,
    });
    await assert.rejects(
      PortReservations.reserve([mapping({ host_port: 8000, range: 10 }), mapping({ host_ip: '', host_port: 8009, container_port: 90 })]),
      {
        message: /^cannot publish 0\.0\.0\.0:8009->90\/tcp: it is published twice \(127\.0\.0\.1:8000-8009->80-89\/tcp\)$/,
      },
    );
  });

  test('one port number as tcp and as udp is two reservations', async () => {
    const port = await freeForBoth();
    const r = await PortReservations.reserve([mapping({ host_port: port }), mapping({ host_port: port, protocol: 'udp' })]);
    assert.deepEqual(
      r.mappings.map((m) => `${m.host_port}/${m.protocol}`),
      [`${port}/tcp`, `${port}/udp`],
    );
    assert.deepEqual([await isFree('tcp', port), await isFree('udp', port)], [false, false]);
    r.release();
    assert.deepEqual([await isFree('tcp', port), await isFree('udp', port)], [true, true]);
  });
});
