import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';

import { QueuedDatagramSender } from '../../src/dgram/queued-sender';
import { createLogger } from '../../src/log';
import { DatagramSocket } from '../../src/native';
import { isStateChange } from '../../src/notify/relay';
import { collectingPeer } from '../helpers/datagram-peer';
import { delay, waitFor } from '../helpers/wait';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-sender-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const log = createLogger('silent');
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});
let n = 0;

const peer = (address: string) => collectingPeer(address, open);

function sender(address: string, limit = 8): QueuedDatagramSender {
  const s = new QueuedDatagramSender(address, { limit, log, peer: 'test peer', isPreferred: isStateChange });
  open.push(s);
  return s;
}

describe('QueuedDatagramSender', () => {
  test('queues while the peer does not exist and delivers in order once it does', async () => {
    const address = path.join(dir, `p${++n}.sock`);
    const s = sender(address);
    s.send(Buffer.from('one'));
    s.send(Buffer.from('two'));
    assert.equal(s.pending, 2);
    await delay(100);
    const got = peer(address);
    await waitFor(() => got.length === 2, 3000, 'the queued messages');
    assert.deepEqual(got, ['one', 'two']);
    s.send(Buffer.from('three'));
    await waitFor(() => got.length === 3, 1000, 'a direct send');
    assert.deepEqual(s.stats, { sent: 3, dropped: 0, maxQueued: 2 });
  });

  test('a full queue drops the oldest message that is not a state change', () => {
    const s = sender(path.join(dir, `absent${++n}.sock`), 3);
    for (const m of ['READY=1', 'WATCHDOG=1', 'STATUS=a', 'STATUS=b']) s.send(Buffer.from(m));
    assert.equal(s.pending, 3);
    assert.equal(s.stats.dropped, 1);
    s.send(Buffer.from('STATUS=c'));
    const q = (s as unknown as { queue: Buffer[] }).queue.map((b) => b.toString());
    assert.deepEqual(q, ['READY=1', 'STATUS=b', 'STATUS=c']);
  });

  test('a peer that restarts (its socket replaced) gets the messages after the restart', async () => {
    const address = path.join(dir, `r${++n}.sock`);
    const first = new DatagramSocket();
    first.bind(address);
    const got1: string[] = [];
    first.receive(
      4096,
      (m) => got1.push(m.data.toString()),
      () => undefined,
    );
    const s = sender(address);
    s.send(Buffer.from('before'));
    await waitFor(() => got1.length === 1, 1000, 'the first message');
    first.close();
    rmSync(address);
    s.send(Buffer.from('while-gone'));
    const got2 = peer(address);
    s.send(Buffer.from('after'));
    await waitFor(() => got2.length === 2, 3000, 'messages to the new socket');
    assert.deepEqual(got2, ['while-gone', 'after']);
  });

  test('a peer whose queue is full (EAGAIN) gets the rest once it reads again', async () => {
    const address = `@ctrmon-sender-${process.pid}-${++n}`;
    const slow = new DatagramSocket();
    slow.bind(address);
    open.push(slow);
    const s = sender(address, 100);
    for (let i = 0; i < 50; i++) s.send(Buffer.from(`m${i}`));
    assert.ok(s.pending > 0, 'the kernel queue took only some');
    const got: string[] = [];
    slow.receive(
      4096,
      (m) => got.push(m.data.toString()),
      () => undefined,
    );
    await waitFor(() => got.length === 50, 3000, 'all 50');
    assert.deepEqual(
      got,
      Array.from({ length: 50 }, (_, i) => `m${i}`),
    );
  });
});
