// The relay's two paths: the native thread sends directly; when systemd's socket is missing the
// messages go to the JS queue, and direct sending resumes only after that queue has drained, so
// nothing is reordered. python3 is the container side.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';

import { QueuedDatagramSender } from '../../src/dgram/queued-sender';
import { createLogger } from '../../src/log';
import { NotifyRelay, isStateChange } from '../../src/notify/relay';
import { collectingPeer } from '../helpers/datagram-peer';
import { runPython } from '../helpers/python-peer';
import { waitFor } from '../helpers/wait';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-relay-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const log = createLogger('silent');
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});
let n = 0;

// Sends each argument as one datagram; "\\0" in an argument stands for a NUL byte.
const SEND_ALL = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for m in sys.argv[2:]: s.sendto(m.replace('\\\\0', '\\0').encode(), sys.argv[1])
`;

function relayTo(target: string, onState: (lines: string[]) => void = () => undefined) {
  const socketPath = path.join(dir, `container-${++n}.sock`);
  const sender = new QueuedDatagramSender(target, { limit: 16, log, peer: 'systemd notify socket', isPreferred: isStateChange });
  const relay = new NotifyRelay({ socketPath, sender, filter: {}, log, onStateChange: onState });
  relay.start();
  open.push(relay, sender);
  return { socketPath, relay, sender };
}

const systemd = (address: string) => collectingPeer(address, open);

describe('NotifyRelay', () => {
  test('relays filtered messages directly from its own thread and reports state changes', async () => {
    const target = path.join(dir, `systemd-${++n}.sock`);
    const got = systemd(target);
    const states: string[][] = [];
    const { socketPath, relay } = relayTo(target, (lines) => states.push(lines));
    await runPython(SEND_ALL, [socketPath, 'WATCHDOG=1\nMAINPID=1', 'READY=1\nSTATUS=up', 'X_NOTHING=1']);
    await waitFor(() => got.length === 2, 2000, 'two relayed messages');
    assert.deepEqual(got, ['WATCHDOG=1', 'READY=1\nSTATUS=up']);
    await waitFor(() => states.length === 1, 2000, 'the state change');
    assert.deepEqual(states, [['READY=1', 'STATUS=up']]);
    assert.deepEqual(relay.stats, { received: 3, relayed: 2, sentDirect: 2, oversize: 0, malformed: 0 });
  });

  test('queues while systemd is away, then keeps the order and sends directly again', async () => {
    const target = path.join(dir, `systemd-${++n}.sock`);
    const { socketPath, relay, sender } = relayTo(target);
    await runPython(SEND_ALL, [socketPath, 'STATUS=1', 'STATUS=2', 'STATUS=3']);
    await waitFor(() => sender.pending === 3, 2000, 'three queued messages');
    const got = systemd(target);
    await waitFor(() => got.length === 3, 3000, 'the queued messages');
    await runPython(SEND_ALL, [socketPath, 'STATUS=4', 'STATUS=5']);
    await waitFor(() => got.length === 5, 2000, 'the later messages');
    assert.deepEqual(got, ['STATUS=1', 'STATUS=2', 'STATUS=3', 'STATUS=4', 'STATUS=5']);
    assert.equal(relay.stats?.sentDirect, 2, 'direct sending resumed after the queue drained');
    assert.equal(sender.stats.sent, 3);
  });

  test('drops oversize and NUL-carrying datagrams, counting them', async () => {
    const target = path.join(dir, `systemd-${++n}.sock`);
    const got = systemd(target);
    const { socketPath, relay } = relayTo(target);
    await runPython(SEND_ALL, [socketPath, `STATUS=${'x'.repeat(5000)}`, 'STATUS=a\\0b', 'STATUS=ok']);
    await waitFor(() => got.length === 1, 2000, 'the valid message');
    assert.deepEqual(got, ['STATUS=ok']);
    assert.deepEqual(relay.stats, { received: 3, relayed: 1, sentDirect: 1, oversize: 1, malformed: 1 });
  });
});
