import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';

import {
  DatagramSocket,
  type ExitStatus,
  ProcessHandle,
  type SystemError,
  isChildSubreaper,
  reapOrphans,
  setChildSubreaper,
} from '../../src/native';
import { delay, nextValue, waitFor } from '../helpers/wait';

/** Runs `sh -c '<cmd> & echo $!'` and returns the pid of the backgrounded grandchild once sh exited. */
function grandchild(cmd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sh = spawn('sh', ['-c', `${cmd} & echo $!`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
    sh.on('error', reject);
    sh.on('exit', () => resolve(Number(out.trim())));
  });
}

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number {
  const m = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]);
}

// Closed after each test, so a failed assertion cannot leave a handle that keeps the process alive.
const opened: ProcessHandle[] = [];
afterEach(() => {
  for (const h of opened.splice(0)) h.close();
});
function open(pid: number): ProcessHandle {
  const handle = new ProcessHandle(pid);
  opened.push(handle);
  return handle;
}

function watch(handle: ProcessHandle, timeoutMs = 5000): Promise<{ err: SystemError | null; status: ExitStatus }> {
  const { cb, value } = nextValue<{ err: SystemError | null; status: ExitStatus }>(timeoutMs, `exit of pid ${handle.pid}`);
  handle.watchExit((err, status) => cb({ err, status }));
  return value;
}

describe('process supervision', () => {
  before(() => setChildSubreaper(true));

  test('the child-subreaper flag can be set and read back', () => {
    setChildSubreaper(false);
    assert.equal(isChildSubreaper(), false);
    setChildSubreaper(true);
    assert.equal(isChildSubreaper(), true);
  });

  test('reaps a reparented grandchild through its pidfd', async () => {
    const pid = await grandchild('sleep 0.2');
    assert.equal(parentOf(pid), process.pid, 'the orphan was adopted by the subreaper');
    const handle = open(pid);
    assert.equal(handle.pid, pid);
    const { err, status } = await watch(handle);
    assert.equal(err, null);
    assert.deepEqual(status, { pid, exitCode: 0, signal: null, coreDumped: false });
    assert.equal(existsSync(`/proc/${pid}`), false, 'reaped, not left a zombie');
    handle.close();
  });

  test('reports a child that died before it was watched', async () => {
    const pid = await grandchild('sh -c "sleep 0.05; exit 7"');
    await waitFor(() => procState(pid) === 'Z', 2000, 'the grandchild to become a zombie');
    const handle = open(pid);
    const { err, status } = await watch(handle);
    assert.equal(err, null);
    assert.equal(status.exitCode, 7);
    assert.equal(status.signal, null);
    handle.close();
  });

  test('reports death by a signal', async () => {
    const pid = await grandchild('sleep 30');
    const handle = open(pid);
    const result = watch(handle);
    process.kill(pid, 'SIGKILL');
    const { err, status } = await result;
    assert.equal(err, null);
    assert.equal(status.exitCode, null);
    assert.equal(status.signal, 'SIGKILL');
    handle.close();
  });

  test('delivers a signal through the pidfd, and refuses once the process is gone', async () => {
    const pid = await grandchild('sleep 30');
    const handle = open(pid);
    const result = watch(handle);
    handle.signal('SIGTERM');
    const { status } = await result;
    assert.equal(status.signal, 'SIGTERM');
    assert.throws(
      () => handle.signal('SIGTERM'),
      (err: SystemError) => {
        assert.equal(err.code, 'ESRCH');
        assert.equal(err.syscall, 'pidfd_send_signal');
        assert.equal(err.pid, pid);
        return true;
      },
    );
    handle.close();
  });

  test('opening a pid that does not exist fails with ESRCH naming the pid', () => {
    assert.throws(
      () => new ProcessHandle(4_000_000),
      (err: SystemError) => {
        assert.equal(err.code, 'ESRCH');
        assert.equal(err.errno, -3);
        assert.equal(err.syscall, 'pidfd_open');
        assert.equal(err.message, 'ESRCH: no such process, pidfd_open 4000000');
        return true;
      },
    );
  });

  test('watching a process that is not our child reports ECHILD when it exits', async () => {
    // The sleep is the child of a waiting sh, so it is never reparented to us.
    const sh = spawn('sh', ['-c', 'sleep 0.2 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const { cb, value } = nextValue<number>(2000, 'the pid of sleep');
    sh.stdout.once('data', (d: Buffer) => cb(Number(d.toString().trim())));
    const handle = open(await value);
    const { err } = await watch(handle);
    assert.equal(err?.code, 'ECHILD');
    assert.equal(err?.syscall, 'waitid');
    assert.equal(err?.message, `ECHILD: no child processes, waitid ${handle.pid}`);
    handle.close();
    await new Promise((resolve) => sh.on('exit', resolve));
  });

  test("child_process 'exit' events still fire with the subreaper on and orphans being reaped", async () => {
    const zombie = await grandchild('sh -c "sleep 0.05; exit 4"');
    const child = spawn('sh', ['-c', 'sleep 0.1; exit 3'], { stdio: 'ignore' });
    const reaped: ExitStatus[] = [];
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let done = false;
    void exit.then(() => (done = true));
    while (!done) {
      reaped.push(...reapOrphans([child.pid!]));
      await delay(5);
    }
    assert.equal(await exit, 3);
    assert.ok(
      reaped.some((s) => s.pid === zombie && s.exitCode === 4),
      'the orphan zombie was reaped',
    );
    assert.ok(!reaped.some((s) => s.pid === child.pid), 'the child_process child was left to libuv');
  });

  test('reapOrphans leaves excluded and watched pids alone', async () => {
    const excluded = await grandchild('sh -c "sleep 0.05; exit 1"');
    const watched = await grandchild('sh -c "sleep 0.05; exit 2"');
    await waitFor(
      () => procState(excluded) === 'Z' && procState(watched) === 'Z',
      2000,
      `two zombies ${excluded}:${procState(excluded)} ${watched}:${procState(watched)}`,
    );
    const handle = open(watched);
    // Watching a zombie reports on the next loop turn; reap before that turn.
    const result = watch(handle);
    const reaped = reapOrphans([excluded]);
    assert.ok(!reaped.some((s) => s.pid === excluded || s.pid === watched));
    assert.equal(procState(excluded), 'Z');
    assert.equal((await result).status.exitCode, 2);
    assert.deepEqual(
      reapOrphans([]).map((s) => [s.pid, s.exitCode]),
      [[excluded, 1]],
    );
    handle.close();
  });

  test('a JS callback that throws reaches uncaughtException and the process goes on', async () => {
    const script = path.join(__dirname, '..', 'helpers', 'throw-in-callback.js');
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 0, err);
    assert.deepEqual(out.trim().split('\n'), [
      'uncaught: thrown from a datagram callback',
      'delivered after the throw',
      'uncaught: thrown from an exit callback',
      'done',
    ]);
  });

  test('terminating a worker with handles open closes them (env cleanup hook)', async () => {
    const worker = new Worker(path.join(__dirname, '..', 'helpers', 'native-worker.js'));
    const { cb, value } = nextValue<string>(5000, 'the worker to report its socket address');
    worker.once('message', cb);
    const address = await value;
    assert.throws(() => new DatagramSocket().bind(address), { code: 'EADDRINUSE' });
    assert.equal(await worker.terminate(), 1);
    const rebound = new DatagramSocket();
    rebound.bind(address); // the worker's socket fd was closed with its environment
    rebound.close();
  });
});
