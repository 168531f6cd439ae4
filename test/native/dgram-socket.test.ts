import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';

import { type Datagram, DatagramSocket, type SystemError } from '../../src/native';
import { PY_SEND, runPython } from '../helpers/python-peer';
import { delay, nextValue, waitFor } from '../helpers/wait';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-dgram-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// Every socket a test opens is closed after it, so a failed assertion cannot leave a handle
// that keeps the test process alive.
const opened: DatagramSocket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
function open(): DatagramSocket {
  const sock = new DatagramSocket();
  opened.push(sock);
  return sock;
}
let seq = 0;
const abstractName = () => `@ctrmon-test-${process.pid}-${++seq}`;
const socketPath = () => path.join(dir, `s${++seq}.sock`);

function receiver(address: string, bufferSize = 4096): { sock: DatagramSocket; got: Datagram[]; errors: SystemError[] } {
  const sock = open();
  sock.bind(address);
  const got: Datagram[] = [];
  const errors: SystemError[] = [];
  sock.receive(
    bufferSize,
    (m) => got.push(m),
    (e) => errors.push(e),
  );
  return { sock, got, errors };
}

describe('DatagramSocket', () => {
  test('binds a path with the requested mode and receives from python', async () => {
    const address = socketPath();
    const sock = open();
    sock.bind(address, 0o777);
    assert.equal(statSync(address).mode & 0o777, 0o777);
    assert.ok(statSync(address).isSocket());
    const { cb, value } = nextValue<Datagram>(2000, 'a datagram');
    sock.receive(4096, cb, (e) => assert.fail(e));
    const py = await runPython(PY_SEND, [address, 'READY=1']);
    assert.equal(py.code, 0, py.stderr);
    const msg = await value;
    assert.equal(msg.data.toString(), 'READY=1');
    assert.equal(msg.size, 7);
    assert.equal(msg.truncated, false);
    sock.close();
  });

  test('binds an abstract name written @name', async () => {
    const address = abstractName();
    const { sock, got } = receiver(address);
    const py = await runPython(PY_SEND, [address, 'STATUS=abstract']);
    assert.equal(py.code, 0, py.stderr);
    await waitFor(() => got.length === 1, 2000, 'the datagram');
    assert.equal(got[0].data.toString(), 'STATUS=abstract');
    sock.close();
  });

  test('binding a taken address fails with a Node-shaped EADDRINUSE error', () => {
    const address = abstractName();
    const first = open();
    first.bind(address);
    const second = open();
    assert.throws(
      () => second.bind(address),
      (err: SystemError) => {
        assert.equal(err.code, 'EADDRINUSE');
        assert.equal(err.errno, -98);
        assert.equal(err.syscall, 'bind');
        assert.equal(err.address, address);
        assert.equal(err.message, `EADDRINUSE: address already in use, bind '${address}'`);
        return true;
      },
    );
    first.close();
    second.close();
  });

  test('sendto a path nobody listens on fails with ECONNREFUSED naming the path', () => {
    const address = socketPath();
    const listener = open();
    listener.bind(address);
    listener.close(); // the file stays, nobody listens: a stale socket
    const sender = open();
    assert.throws(
      () => sender.send(Buffer.from('x'), address),
      (err: SystemError) => {
        assert.equal(err.code, 'ECONNREFUSED');
        assert.equal(err.errno, -111);
        assert.equal(err.syscall, 'sendto');
        assert.equal(err.message, `ECONNREFUSED: connection refused, sendto '${address}'`);
        return true;
      },
    );
    sender.close();
  });

  test('reports the sending process credentials', async () => {
    const address = abstractName();
    const { sock, got } = receiver(address);
    const py = await runPython(PY_SEND, [address, 'hello']);
    await waitFor(() => got.length === 1, 2000, 'the datagram');
    assert.equal(got[0].pid, Number(py.stdout.trim()));
    assert.equal(got[0].uid, process.getuid!());
    assert.equal(got[0].gid, process.getgid!());
    sock.close();
  });

  test('reports a 6000-byte datagram in a 4096-byte buffer as truncated', async () => {
    const address = abstractName();
    const { sock, got } = receiver(address, 4096);
    await runPython(PY_SEND, [address, 'x'.repeat(6000)]);
    await waitFor(() => got.length === 1, 2000, 'the datagram');
    assert.equal(got[0].truncated, true);
    assert.equal(got[0].size, 6000);
    assert.equal(got[0].data.length, 4096);
    sock.close();
  });

  test('closes a received fd at once: the pipe read end sees EOF', async () => {
    const address = abstractName();
    const { sock, got } = receiver(address);
    // The sender passes the write end of a pipe, drops its own copy and waits for EOF, as the
    // sd_notify BARRIER=1 protocol does.
    const py = await runPython(
      `
import array, os, select, socket, sys
r, w = os.pipe()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendmsg([b'BARRIER=1'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [w]))], 0, '\\0' + sys.argv[1][1:])
os.close(w)
ready, _, _ = select.select([r], [], [], 2.0)
print('eof' if ready and os.read(r, 1) == b'' else 'timeout')
`,
      [address],
    );
    assert.equal(py.stdout.trim(), 'eof', py.stderr);
    await waitFor(() => got.length === 1, 2000, 'the datagram');
    assert.equal(got[0].fds, 1);
    assert.equal(got[0].data.toString(), 'BARRIER=1');
    sock.close();
  });

  test('reports control truncation when more fds come than there is room for, and closes them all', async () => {
    const address = abstractName();
    const sock = open();
    sock.bind(address);
    const got: Datagram[] = [];
    sock.receive(
      4096,
      (m) => got.push(m),
      (e) => assert.fail(e),
      2,
    );
    const py = await runPython(
      `
import array, os, select, socket, sys
pipes = [os.pipe() for _ in range(3)]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendmsg([b'three fds'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [w for _, w in pipes]))], 0, '\\0' + sys.argv[1][1:])
for _, w in pipes: os.close(w)
eof = 0
for r, _ in pipes:
    ready, _, _ = select.select([r], [], [], 2.0)
    if ready and os.read(r, 1) == b'': eof += 1
print(eof)
`,
      [address],
    );
    assert.equal(py.stdout.trim(), '3', py.stderr);
    await waitFor(() => got.length === 1, 2000, 'the datagram');
    assert.equal(got[0].controlTruncated, true);
    assert.equal(got[0].fds, 2);
    assert.equal(got[0].pid > 0, true, 'credentials still fit');
    sock.close();
  });

  test('sends to a python receiver at a path and at an abstract name', async () => {
    for (const address of [socketPath(), abstractName()]) {
      const py = runPython(
        `
import os, socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\\0' + addr[1:] if addr.startswith('@') else addr)
s.settimeout(3)
print(s.recv(4096).decode())
`,
        [address],
      );
      const sender = open();
      const deadline = Date.now() + 3000;
      for (;;) {
        try {
          assert.equal(sender.send(Buffer.from(`to ${address}`), address), `to ${address}`.length);
          break;
        } catch (e) {
          const code = (e as SystemError).code;
          if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() > deadline) throw e;
          await delay(10);
        }
      }
      const result = await py;
      assert.equal(result.stdout.trim(), `to ${address}`, result.stderr);
      sender.close();
    }
  });

  test('drains every queued datagram until EAGAIN, then waits quietly', async () => {
    const address = abstractName();
    const sock = open();
    sock.bind(address);
    // Queue 8 datagrams (the kernel's default queue length here is 10) before receiving.
    const py = await runPython(
      `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for i in range(8): s.sendto(b'm%d' % i, '\\0' + sys.argv[1][1:])
`,
      [address],
    );
    assert.equal(py.code, 0, py.stderr);
    const got: string[] = [];
    const errors: SystemError[] = [];
    sock.receive(
      4096,
      (m) => got.push(m.data.toString()),
      (e) => errors.push(e),
    );
    await waitFor(() => got.length === 8, 2000, 'the 8 queued datagrams');
    await delay(50);
    assert.deepEqual(got, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    assert.deepEqual(errors, []);
    sock.close();
  });

  test('send throws EAGAIN on a full peer queue and awaitWritable fires once it drains', async () => {
    const address = abstractName();
    const peer = open();
    peer.bind(address);
    const sender = open();
    sender.connect(address);
    let sent = 0;
    let error: SystemError | undefined;
    for (let i = 0; i < 10_000 && !error; i++) {
      try {
        sender.send(Buffer.from(`m${i}`));
        sent++;
      } catch (e) {
        error = e as SystemError;
      }
    }
    assert.ok(error, 'a full queue must refuse the send');
    assert.equal(error.code, 'EAGAIN');
    assert.equal(error.syscall, 'send');
    let writable = false;
    sender.awaitWritable(() => (writable = true));
    await delay(50);
    assert.equal(writable, false, 'not writable while the peer queue is full');
    const got: string[] = [];
    peer.receive(
      4096,
      (m) => got.push(m.data.toString()),
      (e) => assert.fail(e),
    );
    await waitFor(() => writable, 2000, 'the writable callback');
    await waitFor(() => got.length === sent, 2000, 'all queued datagrams');
    assert.ok(sender.send(Buffer.from('after')) > 0);
    peer.close();
    sender.close();
  });

  test('close while a poll is pending: nothing more is delivered and the loop is free', async () => {
    const address = abstractName();
    const { sock, got, errors } = receiver(address);
    sock.close();
    assert.equal(sock.closed, true);
    const py = await runPython(PY_SEND, [address, 'late']);
    assert.notEqual(py.code, 0, 'the address is gone after close');
    await delay(50);
    assert.deepEqual(got, []);
    assert.deepEqual(errors, []);
    assert.throws(() => sock.send(Buffer.from('x'), address), { code: 'EBADF' });
    sock.close(); // idempotent
  });

  test('close from inside the message callback stops delivery', async () => {
    const address = abstractName();
    const sock = open();
    sock.bind(address);
    await runPython(
      `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for i in range(5): s.sendto(b'm%d' % i, '\\0' + sys.argv[1][1:])
`,
      [address],
    );
    const got: string[] = [];
    sock.receive(
      4096,
      (m) => {
        got.push(m.data.toString());
        sock.close();
      },
      (e) => assert.fail(e),
    );
    await waitFor(() => got.length > 0, 2000, 'the first datagram');
    await delay(50);
    assert.deepEqual(got, ['m0']);
  });
});
