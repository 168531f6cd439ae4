// What an auto-update run tells the outside world about a unit: the hooks it runs (hooks.ts) and
// the structured journal entry it sends (journal-event.ts), each given a report built by hand.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';

import { DatagramSocket } from '../../src/native';
import { HOOK_DIRS, runHooks } from '../../src/update/hooks';
import { journalEvent } from '../../src/update/journal-event';
import { NEW_DIGEST, OLD_DIGEST, report } from '../helpers/update-report';
import { delay, waitFor } from '../helpers/wait';

const scratch = mkdtempSync(path.join(tmpdir(), 'ctrmon-auto-update-hooks-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

describe('hooks', () => {
  /** A hooks directory whose hooks append "<hook> <unit> <status>" to a log and copy their stdin to <hook>.json. */
  function hooksDir(): { dir: string; log: string; out: string; hook(kind: string, name: string, body?: string, mode?: number): string } {
    const dir = path.join(scratch, `hooks-${++n}`);
    const out = path.join(dir, 'out');
    mkdirSync(out, { recursive: true });
    const log = path.join(out, 'log');
    return {
      dir,
      log,
      out,
      hook(kind, name, body = '', mode = 0o755) {
        mkdirSync(path.join(dir, kind), { recursive: true });
        const file = path.join(dir, kind, name);
        const script = [
          '#!/bin/sh',
          `echo "${name} $CTRMON_UNIT $CTRMON_STATUS" >> '${log}'`,
          `cat > '${path.join(out, `${name}.json`)}'`,
          body,
          '',
        ].join('\n');
        writeFileSync(file, script);
        chmodSync(file, mode);
        return file;
      },
    };
  }
  const logOf = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);

  test('after an update: the executables of updated.d, in name order, each given the report as JSON', async () => {
    const h = hooksDir();
    // Created out of order, so that the directory's own order is not the name order.
    const names = ['30-c', '10-a', '50-e', '20-b', '40-d'];
    for (const name of names) h.hook(HOOK_DIRS.updated, name);
    h.hook(HOOK_DIRS.updated, '15-not-executable', '', 0o644);
    h.hook(HOOK_DIRS.rolledBack, '10-rolled-back');
    const r = report('true');
    assert.deepEqual(await runHooks(h.dir, r), []);
    assert.deepEqual(
      logOf(h.log),
      ['10-a', '20-b', '30-c', '40-d', '50-e'].map((name) => `${name} web.service true`),
    );
    for (const name of names) {
      assert.deepEqual(JSON.parse(readFileSync(path.join(h.out, `${name}.json`), 'utf8')), r);
    }
    assert.equal(existsSync(path.join(h.out, '15-not-executable.json')), false);
  });

  test('after a rollback: rolled-back.d only; a failing hook is reported by name and the others still run', async () => {
    const h = hooksDir();
    h.hook(HOOK_DIRS.updated, '10-updated');
    const failing = h.hook(HOOK_DIRS.rolledBack, '10-fails', 'echo "no pager configured" >&2\nexit 3');
    h.hook(HOOK_DIRS.rolledBack, '20-ok');
    const r = report('rolled back', { Cause: 'readiness', Error: 'not ready within 5 s' });
    assert.deepEqual(await runHooks(h.dir, r), [`hook ${failing} exited with 3: no pager configured`]);
    assert.deepEqual(logOf(h.log), ['10-fails web.service rolled back', '20-ok web.service rolled back']);
    assert.deepEqual(JSON.parse(readFileSync(path.join(h.out, '20-ok.json'), 'utf8')), r);
  });

  test('a rollback that failed too runs rolled-back.d; a hook killed by a signal says so', async () => {
    const h = hooksDir();
    const killed = h.hook(HOOK_DIRS.rolledBack, '10-killed', 'kill -KILL $$');
    const r = report('failed', { Cause: 'rollback', Error: 'going back failed too' });
    assert.deepEqual(await runHooks(h.dir, r), [`hook ${killed} was killed by SIGKILL: `]);
    assert.deepEqual(logOf(h.log), ['10-killed web.service failed']);
  });

  test('no update, pending, or a failure before the unit was touched: no hook runs', async () => {
    const h = hooksDir();
    h.hook(HOOK_DIRS.updated, '10-updated');
    h.hook(HOOK_DIRS.rolledBack, '10-rolled-back');
    for (const r of [
      report('false'),
      report('pending'),
      report('failed', { Cause: 'pull', Error: 'pull failed' }),
      report('failed', { Cause: 'start' }),
    ]) {
      assert.deepEqual(await runHooks(h.dir, r), []);
    }
    assert.deepEqual(logOf(h.log), []);
  });

  test('no hooks directory: nothing to run, nothing reported', async () => {
    assert.deepEqual(await runHooks(path.join(scratch, 'none'), report('true')), []);
  });
});

describe('journal event', () => {
  const open: { close(): void }[] = [];
  afterEach(() => {
    for (const o of open.splice(0)) o.close();
  });

  /** A stand-in for journald's socket; each datagram as its fields (no field here has a newline). */
  function journal(): { address: string; got: Record<string, string>[] } {
    const address = path.join(scratch, `journal-${++n}.sock`);
    const got: Record<string, string>[] = [];
    const sock = new DatagramSocket();
    sock.bind(address);
    sock.receive(
      65536,
      (m) => {
        const text = m.data.toString('latin1');
        assert.ok(text.endsWith('\n'));
        got.push(
          Object.fromEntries(
            text
              .slice(0, -1)
              .split('\n')
              .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
          ),
        );
      },
      (e) => assert.fail(e),
    );
    open.push(sock);
    return { address, got };
  }

  test('a rollback: CTRMON_EVENT=rollback, the unit, both digests, at warning priority', async () => {
    const j = journal();
    assert.equal(journalEvent(report('rolled back', { Cause: 'soak', Error: 'the unit was restarted' }), j.address), true);
    await waitFor(() => j.got.length === 1, 3000, 'the journal entry');
    // The entry's fields are events-entry.test.ts's; here: that they arrive, as one datagram.
    const got = j.got[0];
    assert.deepEqual(
      [got.SYSLOG_IDENTIFIER, got.CTRMON_EVENT, got.UNIT, got.DIGEST, got.NEW_DIGEST, got.CAUSE],
      ['ctrmon-auto-update', 'rollback', 'web.service', OLD_DIGEST, NEW_DIGEST, 'soak'],
    );
  });

  test('an update runs the new digest; a failure is an error', async () => {
    const j = journal();
    assert.equal(journalEvent(report('true'), j.address), true);
    assert.equal(journalEvent(report('failed', { NewDigest: null, Cause: 'check', Error: 'no registry' }), j.address), true);
    await waitFor(() => j.got.length === 2, 3000, 'the journal entries');
    assert.deepEqual(
      j.got.map((e) => [e.CTRMON_EVENT, e.PRIORITY, e.DIGEST, e.NEW_DIGEST, e.CAUSE]),
      [
        ['update', '5', NEW_DIGEST, NEW_DIGEST, ''],
        ['update-failed', '3', OLD_DIGEST, '', 'check'],
      ],
    );
    assert.equal(
      j.got[1].MESSAGE,
      `auto-update: web.service failed to update: example.com/web:latest ${OLD_DIGEST} -> - (check: no registry)`,
    );
  });

  test('no update, or pending: no entry', async () => {
    const j = journal();
    assert.equal(journalEvent(report('false'), j.address), true);
    assert.equal(journalEvent(report('pending'), j.address), true);
    await delay(100);
    assert.deepEqual(j.got, []);
  });

  test('no journal: false, and nothing thrown', () => {
    assert.equal(journalEvent(report('rolled back'), path.join(scratch, 'no-journal.sock')), false);
  });
});
