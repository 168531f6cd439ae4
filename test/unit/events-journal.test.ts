// Reading events back: `journalctl -o json` lines (a stand-in journalctl prints real-shaped ones and
// records how it was called), merged with the fallback file by time, and both followed.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { monitorEntry } from '../../src/events/emitter';
import { type EventEntry, type TimedEntry, entryFields } from '../../src/events/event';
import { EventFile, eventFilePath, eventLine, rotatedEventFile } from '../../src/events/event-file';
import { journalArgs, parseEventJson } from '../../src/events/journal-source';
import { followEvents, readEvents } from '../../src/events/reader';
import { buildQuery } from '../../src/events/query';
import { waitFor } from '../helpers/wait';

const scratch = mkdtempSync(path.join(tmpdir(), 'ctrmon-events-journal-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

const T0 = Date.UTC(2026, 10, 30, 8, 0, 0) * 1000;
const web = { container: 'web', image: '/srv/web', unit: 'web.service' };

/** An entry as `journalctl -o json` prints it, with journald's own fields around ours. */
function journalLine(entry: EventEntry, timeUsec: number, seq: number): string {
  return JSON.stringify({
    __CURSOR: `s=0123456789abcdef;i=${seq};b=feed;m=${seq};t=${timeUsec};x=1`,
    __REALTIME_TIMESTAMP: String(timeUsec),
    __MONOTONIC_TIMESTAMP: String(seq * 1000),
    _BOOT_ID: 'feed',
    _TRANSPORT: 'journal',
    _PID: '86',
    _COMM: 'node',
    _SYSTEMD_UNIT: 'web.service',
    ...Object.fromEntries(entryFields(entry)),
  });
}

/**
 * A stand-in journalctl: records its arguments (one per line) in <dir>/args[.follow], prints the
 * lines of <dir>/out (or, with --follow, of <dir>/follow, then waits).
 */
function fakeJournalctl(): { dir: string; command: string; args(follow?: boolean): string[] } {
  const dir = path.join(scratch, `journal-${++n}`);
  mkdirSync(dir);
  const command = path.join(dir, 'journalctl');
  writeFileSync(
    command,
    [
      '#!/bin/sh',
      `d='${dir}'`,
      'case " $* " in *" --follow "*) printf "%s\\n" "$@" >"$d/args.follow"; cat "$d/follow" 2>/dev/null; exec sleep 60;; esac',
      'printf "%s\\n" "$@" >"$d/args"',
      '[ -e "$d/fail" ] && { echo "Failed to open journal: Permission denied" >&2; exit 1; }',
      'cat "$d/out" 2>/dev/null; exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(command, 0o755);
  return {
    dir,
    command,
    args: (follow = false) =>
      readFileSync(path.join(dir, follow ? 'args.follow' : 'args'), 'utf8')
        .trimEnd()
        .split('\n'),
  };
}

const names = (events: TimedEntry[]) => events.map((e) => `${e.entry.container}:${e.entry.event}@${(e.timeUsec - T0) / 1e6}`);

describe('journalctl -o json', () => {
  test('an entry line: the event, its time and cursor; byte arrays and repeated fields read; other entries ignored', () => {
    const line = journalLine(monitorEntry('died', web, { exitCode: 3 }), T0 + 5, 7);
    const e = parseEventJson(line)!;
    assert.deepEqual([e.entry.event, e.entry.exitCode, e.entry.unit, e.timeUsec], ['died', 3, 'web.service', T0 + 5]);
    assert.match(e.cursor!, /;i=7;/);
    const odd = JSON.parse(line) as Record<string, unknown>;
    odd.IMAGE = [...Buffer.from('/srv/wéb')];
    odd.CONTAINER_NAME = ['web', 'web'];
    const parsed = parseEventJson(JSON.stringify(odd))!;
    assert.deepEqual([parsed.entry.image, parsed.entry.container], ['/srv/wéb', 'web']);
    const output = { __REALTIME_TIMESTAMP: String(T0), MESSAGE: 'hello', CONTAINER_NAME: 'web', SYSLOG_IDENTIFIER: 'web' };
    assert.equal(parseEventJson(JSON.stringify(output)), null, "a container's output line");
    assert.equal(parseEventJson('-- No entries --'), null);
  });

  test('the query as journalctl matches: ctrmon identifiers, events (all by default), containers, units, coarse bounds', () => {
    assert.deepEqual(journalArgs(buildQuery({})), [
      '--no-pager',
      '-o',
      'json',
      'SYSLOG_IDENTIFIER=ctrmon',
      'SYSLOG_IDENTIFIER=ctrmon-auto-update',
      ...['create', 'start', 'ready', 'health_status', 'stop', 'died', 'update', 'rollback', 'update-failed'].map(
        (e) => `CTRMON_EVENT=${e}`,
      ),
    ]);
    const q = buildQuery({
      filter: ['event=died', 'container=a', 'container=b', 'unit=a.service'],
      since: '1796028992.5',
      until: '1796028999.25',
    });
    assert.deepEqual(journalArgs(q).slice(3), [
      '--since=@1796028992',
      '--until=@1796029001',
      'SYSLOG_IDENTIFIER=ctrmon',
      'SYSLOG_IDENTIFIER=ctrmon-auto-update',
      'CTRMON_EVENT=died',
      'CONTAINER_NAME=a',
      'CONTAINER_NAME=b',
      'UNIT=a.service',
    ]);
  });
});

describe('reading both places', () => {
  test('the journal and the fallback file merged by time, the query applied to both', async () => {
    const j = fakeJournalctl();
    writeFileSync(
      path.join(j.dir, 'out'),
      [
        journalLine(monitorEntry('create', web), T0, 1),
        journalLine(monitorEntry('start', web), T0 + 2e6, 2),
        journalLine(monitorEntry('died', web, { exitCode: 3 }), T0 + 4e6, 3),
        '',
      ].join('\n'),
    );
    const stateDir = path.join(j.dir, 'state');
    mkdirSync(stateDir);
    const file = new EventFile(eventFilePath(stateDir));
    file.append(monitorEntry('create', { container: 'db', image: '/srv/db' }), T0 + 1e6);
    file.append(monitorEntry('died', { container: 'db', image: '/srv/db' }, { exitCode: 0 }), T0 + 3e6);
    const all = await readEvents({ stateDir, query: buildQuery({}), journalctl: j.command });
    assert.deepEqual(names(all.events), ['web:create@0', 'db:create@1', 'web:start@2', 'db:died@3', 'web:died@4']);
    assert.match(all.journalCursor!, /;i=3;/);
    // The stand-in ignores the matches: the same filter applied here keeps the answer right.
    const died = await readEvents({ stateDir, query: buildQuery({ filter: ['event=died'] }), journalctl: j.command });
    assert.deepEqual(names(died.events), ['db:died@3', 'web:died@4']);
    assert.ok(j.args().includes('CTRMON_EVENT=died'));
  });

  test('no journalctl: the file alone; a journalctl that fails: ERR_EVENTS with its words', async () => {
    const stateDir = path.join(scratch, `state-${++n}`);
    mkdirSync(stateDir);
    new EventFile(eventFilePath(stateDir)).append(monitorEntry('create', web), T0);
    const list = await readEvents({ stateDir, query: buildQuery({}), journalctl: path.join(scratch, 'no', 'journalctl') });
    assert.deepEqual([names(list.events), list.journalInstalled], [['web:create@0'], false]);
    const j = fakeJournalctl();
    writeFileSync(path.join(j.dir, 'fail'), '');
    await assert.rejects(readEvents({ stateDir, query: buildQuery({}), journalctl: j.command }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_EVENTS');
      assert.match(err.message, /journalctl failed: Failed to open journal: Permission denied$/);
      return true;
    });
  });

  test('following: journalctl -f after the last cursor, and the lines appended to the file, across a rotation', async () => {
    const j = fakeJournalctl();
    writeFileSync(path.join(j.dir, 'out'), `${journalLine(monitorEntry('create', web), T0, 1)}\n`);
    writeFileSync(path.join(j.dir, 'follow'), `${journalLine(monitorEntry('start', web), T0 + 2e6, 2)}\n`);
    const stateDir = path.join(j.dir, 'state');
    mkdirSync(stateDir);
    const db = { container: 'db', image: '/srv/db' };
    // Rotated once, at the fourth line: create, s0, s1, s2 go to events.jsonl.1, s3 and s4 to a new file.
    const file = new EventFile(
      eventFilePath(stateDir),
      eventLine(monitorEntry('health_status', db, { healthStatus: 's0' }), T0).length * 3,
    );
    file.append(monitorEntry('create', db), T0 + 1e6);
    const query = buildQuery({});
    const list = await readEvents({ stateDir, query, journalctl: j.command });
    assert.deepEqual(names(list.events), ['web:create@0', 'db:create@1']);
    const seen: TimedEntry[] = [];
    const follower = followEvents({ stateDir, query, journalctl: j.command }, list, (e) => seen.push(e));
    try {
      for (let i = 0; i < 5; i++) file.append(monitorEntry('health_status', db, { healthStatus: `s${i}` }), T0 + (10 + i) * 1e6);
      assert.ok(existsSync(rotatedEventFile(eventFilePath(stateDir))), 'the file was rotated under the follower');
      await waitFor(() => seen.length === 6, 5000, 'the journal entry and five file lines');
      assert.deepEqual(names(seen).sort(), [
        'db:health_status@10',
        'db:health_status@11',
        'db:health_status@12',
        'db:health_status@13',
        'db:health_status@14',
        'web:start@2',
      ]);
      assert.deepEqual(
        seen.filter((e) => e.entry.container === 'db').map((e) => e.entry.healthStatus),
        ['s0', 's1', 's2', 's3', 's4'],
        'in order, none lost or doubled by the rotation',
      );
      const follow = j.args(true);
      assert.ok(follow.includes('--follow'));
      assert.ok(follow.includes(`--after-cursor=${list.journalCursor}`));
    } finally {
      await follower.stop();
    }
  });
});
