// A receiving datagram socket that collects what arrives as strings; registered in `open` so the
// test's cleanup closes it.
import assert from 'node:assert/strict';

import { DatagramSocket } from '../../src/native';

export function collectingPeer(address: string, open: { close(): void }[]): string[] {
  const got: string[] = [];
  const sock = new DatagramSocket();
  sock.bind(address);
  sock.receive(
    4096,
    (m) => got.push(m.data.toString()),
    (e) => assert.fail(e),
  );
  open.push(sock);
  return got;
}
