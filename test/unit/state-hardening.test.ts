// The state layer against a faulty machine: directories that cannot be made, writes that fail,
// recycled pids, concurrent claims of one name, and phases that follow timestamps.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { isRunning, processStartTime } from '../../src/process/identity';
import { checkOwner, claimName } from '../../src/state/claim';
import { ensureDirectory } from '../../src/state/directory';
import { monitorAlive } from '../../src/state/liveness';
import { phaseOf } from '../../src/state/phase';
import type { ContainerState } from '../../src/state/types';
import { writeState } from '../../src/state/writer';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-state-hard-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const timestamps = (t: Partial<ContainerState['timestamps']>): ContainerState['timestamps'] => ({
  created: 'c',
  started: null,
  ready: null,
  stopping: null,
  exited: null,
  ...t,
});

describe('state directories and writes', () => {
  test('a regular file in the way is named; a new tree is made', () => {
    const file = path.join(dir, 'file');
    writeFileSync(file, '');
    assert.throws(() => ensureDirectory(path.join(file, 'a', 'b')), {
      code: 'ERR_STATE',
      message: `cannot create directory ${path.join(file, 'a', 'b')}: ${file} is not a directory`,
    });
    ensureDirectory(path.join(dir, 'x', 'y', 'z'));
    assert.deepEqual(readdirSync(path.join(dir, 'x', 'y')), ['z']);
  });

  test('a write that fails leaves the previous file whole and no temporary file', () => {
    const sub = path.join(dir, 'w');
    const file = path.join(sub, 'state.json');
    writeState(file, { name: 'w', phase: 'running' } as unknown as ContainerState);
    mkdirSync(`${file}.${process.pid}.tmp`); // the temporary name is taken: the write fails
    assert.throws(() => writeState(file, { name: 'w', phase: 'ready' } as unknown as ContainerState), {
      code: 'ERR_STATE',
      message: new RegExp(`^cannot write state file ${file}: EISDIR`),
    });
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).phase, 'running');
    rmSync(`${file}.${process.pid}.tmp`, { recursive: true });
  });
});

describe('liveness', () => {
  test('a pid is only alive with the start time it had: a recycled pid is not the monitor', async () => {
    // A process whose command line names ctrmon and the container, as the old check wanted.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'ctrmon', 'web'], { stdio: 'ignore' });
    try {
      const pid = other.pid!;
      const startTime = processStartTime(pid)!;
      assert.ok(startTime > 0);
      const state = { name: 'web', monitorPid: pid } as ContainerState;
      assert.equal(monitorAlive({ ...state, monitorStartTime: startTime }), true);
      assert.equal(monitorAlive({ ...state, monitorStartTime: startTime - 1 }), false, 'a recycled pid');
      assert.equal(isRunning({ pid, startTime }), true);
    } finally {
      other.kill('SIGKILL');
    }
    assert.equal(processStartTime(999_999_999), null);
  });
});

describe('claims on a name', () => {
  test('one live holder per state directory; released, it can be claimed again', () => {
    const cdir = path.join(dir, 'claims', 'web');
    mkdirSync(cdir, { recursive: true });
    const held = claimName('web', cdir);
    assert.throws(() => claimName('web', cdir), {
      code: 'ERR_NAME_IN_USE',
      message: `container name "web" is in use by ctrmon pid ${process.pid} (${path.join(cdir, 'monitor.lock')})`,
    });
    held.release();
    claimName('web', cdir).release();
  });

  test("a runtime container from another directory is refused while that directory's lock is held", () => {
    const mine = path.join(dir, 'mine', 'db');
    const theirs = path.join(dir, 'theirs', 'db');
    mkdirSync(mine, { recursive: true });
    mkdirSync(theirs, { recursive: true });
    const lock = claimName('db', theirs);
    assert.throws(() => checkOwner('db', path.join(theirs, 'bundle'), mine), { code: 'ERR_NAME_IN_USE' });
    lock.release();
    checkOwner('db', path.join(theirs, 'bundle'), mine); // a leftover now
    checkOwner('db', path.join(dir, 'not-a-monitor', 'bundle'), mine);
  });
});

test('the phase follows the timestamps, whatever order they came in', () => {
  assert.equal(phaseOf(timestamps({})), 'creating');
  assert.equal(phaseOf(timestamps({ started: 's' })), 'running');
  assert.equal(phaseOf(timestamps({ ready: 'r', started: 'r' })), 'ready');
  assert.equal(phaseOf(timestamps({ ready: 'r', started: 's', stopping: 't' })), 'stopping');
  assert.equal(phaseOf(timestamps({ started: 's', stopping: 't', exited: 'e' })), 'exited');
});
