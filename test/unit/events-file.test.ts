// Where the monitor's events go: the fallback file (its lines, its cap and rotation) when there is
// no journal socket, the journal when there is one, and never a wait or a throw either way.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';

import { MonitorEvents, monitorEntry } from '../../src/events/emitter';
import { EventFile, eventFilePath, eventLine, rotatedEventFile } from '../../src/events/event-file';
import { readEvents } from '../../src/events/reader';
import { createLogger } from '../../src/log';
import { DatagramSocket, FileLock } from '../../src/native';
import { waitFor } from '../helpers/wait';

const scratch = mkdtempSync(path.join(tmpdir(), 'ctrmon-events-file-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const log = createLogger('silent');
let n = 0;
const freshDir = () => {
  const dir = path.join(scratch, `d${++n}`);
  mkdirSync(dir);
  return dir;
};
const subject = { container: 'web', image: '/srv/web' };
const lines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, string>)
    : [];

describe('the fallback file', () => {
  test('one JSON object per line: the journal fields and __REALTIME_TIMESTAMP, as journalctl -o json prints them', () => {
    const dir = freshDir();
    const file = new EventFile(eventFilePath(dir));
    file.append(monitorEntry('create', subject), 1_796_028_992_567_783);
    file.append(monitorEntry('died', subject, { exitCode: 3 }), 1_796_028_993_603_146);
    assert.equal(file.path, path.join(dir, 'events.jsonl'));
    assert.deepEqual(lines(file.path), [
      {
        __REALTIME_TIMESTAMP: '1796028992567783',
        MESSAGE: 'container web created',
        PRIORITY: '6',
        SYSLOG_IDENTIFIER: 'ctrmon',
        CTRMON_EVENT: 'create',
        CONTAINER_NAME: 'web',
        IMAGE: '/srv/web',
      },
      {
        __REALTIME_TIMESTAMP: '1796028993603146',
        MESSAGE: 'container web died (exit code 3)',
        PRIORITY: '4',
        SYSLOG_IDENTIFIER: 'ctrmon',
        CTRMON_EVENT: 'died',
        CONTAINER_NAME: 'web',
        IMAGE: '/srv/web',
        EXIT_CODE: '3',
      },
    ]);
  });

  test('over the cap it is renamed to events.jsonl.1, which it replaces; the two stay within twice the cap', () => {
    const dir = freshDir();
    const lineBytes = eventLine(monitorEntry('start', subject), 1_796_028_992_567_783).length;
    const cap = lineBytes * 10 + 5;
    const file = new EventFile(eventFilePath(dir), cap);
    for (let i = 0; i < 11; i++) file.append(monitorEntry('start', subject), 1_796_028_992_000_000 + i);
    assert.equal(existsSync(rotatedEventFile(file.path)), true, 'the 11th line took it over the cap');
    assert.equal(existsSync(file.path), false);
    for (let i = 11; i < 40; i++) file.append(monitorEntry('start', subject), 1_796_028_992_000_000 + i);
    const rotated = lines(rotatedEventFile(file.path));
    const current = lines(file.path);
    assert.deepEqual(
      [...rotated, ...current].map((l) => Number(l.__REALTIME_TIMESTAMP) - 1_796_028_992_000_000),
      [...Array(18).keys()].map((i) => 22 + i),
      'the newest lines are kept, in order (0-21 went with the rotated files that later rotations replaced)',
    );
    assert.equal(rotated.length, 11);
    assert.ok(statSync(rotatedEventFile(file.path)).size + statSync(file.path).size <= 2 * cap + lineBytes);
  });

  test('a writer that finds the rotation lock taken leaves the rotation to its holder', () => {
    const dir = freshDir();
    const line = eventLine(monitorEntry('start', subject), 1_796_028_992_567_783).length;
    const file = new EventFile(eventFilePath(dir), line);
    const held = new FileLock(`${file.path}.lock`);
    try {
      file.append(monitorEntry('start', subject));
      file.append(monitorEntry('start', subject));
      assert.equal(existsSync(rotatedEventFile(file.path)), false, 'not rotated under another holder');
    } finally {
      held.release();
    }
    file.append(monitorEntry('start', subject));
    assert.equal(lines(rotatedEventFile(file.path)).length, 3);
  });

  test('ctrmon events reads the rotated file, then the current one', async () => {
    const dir = freshDir();
    const file = new EventFile(eventFilePath(dir));
    writeFileSync(
      rotatedEventFile(file.path),
      eventLine(monitorEntry('create', subject), 1000) + eventLine(monitorEntry('start', subject), 2000),
    );
    file.append(monitorEntry('ready', subject), 3000);
    const { events } = await readEvents({ stateDir: dir, query: { containers: [], events: [], units: [] }, journalctl: null });
    assert.deepEqual(
      events.map((e) => [e.entry.event, e.timeUsec]),
      [
        ['create', 1000],
        ['start', 2000],
        ['ready', 3000],
      ],
    );
  });
});

describe("the monitor's emitter", () => {
  const open: { close(): void }[] = [];
  afterEach(() => {
    for (const o of open.splice(0)) o.close();
  });

  test('no journal socket: the file under the state directory; once per run, nothing before create', () => {
    const dir = freshDir();
    const events = new MonitorEvents({ stateDir: dir, subject: () => subject, log, journalSocket: path.join(dir, 'no-journal.sock') });
    open.push(events);
    assert.equal(events.destination, 'file');
    events.emit('stop');
    events.emit('died', { exitCode: 143 });
    assert.equal(existsSync(eventFilePath(dir)), false, 'no container yet: nothing to stop or to die');
    for (const e of ['create', 'start', 'start', 'ready', 'ready'] as const) events.emit(e);
    events.emit('health_status', { healthStatus: 'healthy' });
    events.emit('health_status', { healthStatus: 'unhealthy' });
    events.emit('stop');
    events.emit('died', { exitCode: 143 });
    events.emit('died', { exitCode: 143 });
    assert.deepEqual(
      lines(eventFilePath(dir)).map((l) => [l.CTRMON_EVENT, l.HEALTH_STATUS ?? l.EXIT_CODE ?? '']),
      [
        ['create', ''],
        ['start', ''],
        ['ready', ''],
        ['health_status', 'healthy'],
        ['health_status', 'unhealthy'],
        ['stop', ''],
        ['died', '143'],
      ],
    );
  });

  test('a state directory that cannot be written (gone): a warning, never a throw', () => {
    const dir = freshDir();
    const warnings: string[] = [];
    const recording = createLogger('warn');
    recording.warn = ((_fields: unknown, msg: string) => void warnings.push(msg)) as unknown as typeof recording.warn;
    const events = new MonitorEvents({
      stateDir: path.join(dir, 'missing'),
      subject: () => subject,
      log: recording,
      journalSocket: '/nonexistent',
    });
    open.push(events);
    events.emit('create');
    events.emit('start');
    assert.deepEqual(warnings, ['cannot write the events file'], 'one warning, throttled');
  });

  test('a journal socket: entries go there, not to the file', async () => {
    const dir = freshDir();
    const address = path.join(dir, 'journal.sock');
    const got: string[] = [];
    const journal = new DatagramSocket();
    journal.bind(address);
    journal.receive(
      65536,
      (m) => got.push(m.data.toString('utf8')),
      (e) => assert.fail(e),
    );
    open.push(journal);
    const events = new MonitorEvents({ stateDir: dir, subject: () => subject, log, journalSocket: address });
    open.push(events);
    assert.equal(events.destination, 'journal');
    events.emit('create');
    events.emit('died', { exitCode: 3 });
    await waitFor(() => got.length === 2, 3000, 'two journal entries');
    assert.match(got[1], /^MESSAGE=container web died \(exit code 3\)\n.*\nCTRMON_EVENT=died\n.*EXIT_CODE=3\n$/s);
    assert.equal(existsSync(eventFilePath(dir)), false);
  });

  test('a journal that never reads: emit returns at once and the queue stays bounded', () => {
    const dir = freshDir();
    const address = path.join(dir, 'stuck.sock');
    const stuck = new DatagramSocket();
    stuck.bind(address); // bound, never received from: the kernel queue fills, then EAGAIN
    open.push(stuck);
    const events = new MonitorEvents({ stateDir: dir, subject: () => subject, log, journalSocket: address });
    events.emit('create');
    for (let i = 0; i < 5000; i++) events.emit('health_status', { healthStatus: i % 2 ? 'healthy' : 'unhealthy' });
    const sender = (events as unknown as { sender: { pending: number; stats: { dropped: number } } }).sender;
    assert.ok(sender.pending <= 64, `${sender.pending} queued`);
    assert.ok(sender.stats.dropped > 0, 'the oldest were dropped');
    events.close();
  });
});
