// The real Monitor, run in this process with stand-ins for the runtime, the notify relay and the
// log driver (test/helpers/monitor-stand-ins.ts), without root: create, start, READY in each
// mode, stop, exit codes, and a failure in each step, with what the release stack then did and
// what the state file says at the end. test/integration/monitor-lifecycle.test.ts and
// hardening.test.ts check the same with real runc.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import pino from 'pino';

import { type RawMonitorOptions, buildMonitorOptions } from '../../src/config/monitor-options';
import { CtrmonError } from '../../src/errors';
import { describeHost } from '../../src/host/host';
import { PRODUCTION_DEPENDENCIES } from '../../src/monitor/dependencies';
import { Monitor } from '../../src/monitor/monitor';
import { claimName } from '../../src/state/claim';
import { containerDir, stateFile } from '../../src/state/paths';
import { readState } from '../../src/state/reader';
import type { ContainerState, Phase } from '../../src/state/types';
import { collectingPeer } from '../helpers/datagram-peer';
import { type StandIns, processState, standIns } from '../helpers/monitor-stand-ins';
import { delay, waitFor } from '../helpers/wait';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-monitor-unit-'));
const stateDir = path.join(dir, 'state');
const open: { close(): void }[] = [];
const runs: Run[] = [];
after(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  delete process.env.NOTIFY_SOCKET;
  for (const r of runs.splice(0)) {
    r.s.runtime.killAll();
    await r.exited;
  }
  for (const o of open.splice(0)) o.close();
});
let n = 0;

/** A bundle the fake runtime can run: only its process (args, env) matters. */
function bundleWith(config: string): string {
  const bundle = path.join(dir, `bundle-${++n}`);
  mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  writeFileSync(path.join(bundle, 'config.json'), config);
  return bundle;
}
const bundle = bundleWith(
  JSON.stringify({ ociVersion: '1.0.2', process: { args: ['true'], env: ['PATH=/usr/bin:/bin'] }, root: { path: 'rootfs' } }),
);

interface Run {
  name: string;
  s: StandIns;
  /** ctrmon's own log lines. */
  logs: Record<string, unknown>[];
  /** What systemd's notify socket received (when the run had one). */
  systemd: string[];
  exited: Promise<{ code: number; error: CtrmonError | null }>;
  state(): ContainerState;
  waitForPhase(phase: Phase): Promise<ContainerState>;
  waitForOutput(text: string): Promise<void>;
}

interface RunOptions {
  options?: RawMonitorOptions;
  /** Gives the monitor a NOTIFY_SOCKET, as systemd would. */
  systemd?: boolean;
  name?: string;
  /** Sets the stand-ins up before the monitor runs. */
  prepare?: (s: StandIns) => void;
}

function monitor(command: string[], run: RunOptions = {}): Run {
  const name = run.name ?? `lc-${++n}`;
  const s = standIns();
  run.prepare?.(s);
  let systemd: string[] = [];
  if (run.systemd) {
    const address = path.join(dir, `systemd-${++n}.sock`);
    systemd = collectingPeer(address, open);
    process.env.NOTIFY_SOCKET = address;
  }
  const options = buildMonitorOptions(
    name,
    command,
    { bundle, stateDir, cgroups: 'bundle', stopTimeout: '5', ...run.options },
    describeHost({}, 0),
    {},
  );
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const exited = new Monitor(options, log, s.dependencies).run().then(
    (code) => ({ code, error: null }),
    (err: CtrmonError) => ({ code: err.exitCode, error: err }),
  );
  const file = stateFile(stateDir, name);
  const state = () => readState(file);
  const r: Run = {
    name,
    s,
    logs,
    systemd,
    exited,
    state,
    async waitForPhase(phase) {
      await waitFor(() => state().phase === phase, 5000, `phase ${phase}`);
      return state();
    },
    waitForOutput: (text) => waitFor(() => s.logs?.output.includes(text) ?? false, 5000, `"${text}" from the container`),
  };
  runs.push(r);
  return r;
}

const sh = (script: string) => ['/bin/sh', '-c', script];
/** Printed by a container once its traps are set: a signal sent earlier would meet the default action. */
const TRAPS_SET = 'traps-set';
/** A container with these traps, which runs until a signal ends it (the shell runs traps between two sleeps). */
const trapping = (traps: string, then = 'while :; do sleep 0.05; done') => sh(`${traps}; echo ${TRAPS_SET}; ${then}`);

/** What ctrmon gets as a unit's main PID when systemd stops the unit (or Ctrl-C). */
function signalMonitor(signal: NodeJS.Signals): void {
  process.kill(process.pid, signal);
}

async function ended(r: Run): Promise<{ code: number; error: CtrmonError | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`monitor ${r.name} did not end`)), 10_000);
  });
  try {
    return await Promise.race([r.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The release stack gave back what the run took: the container deleted, dead, after it ran. */
const RAN_AND_DELETED = ['create', 'start', 'delete --force'];

describe('exit codes', () => {
  for (const status of [0, 3]) {
    test(`the container's exit status ${status} is the monitor's; its output reaches the log driver`, async () => {
      const r = monitor(sh(`echo out; echo err >&2; exit ${status}`));
      assert.deepEqual(await ended(r), { code: status, error: null });
      assert.deepEqual(r.s.runtime.calls, RAN_AND_DELETED);
      assert.match(r.s.logs!.output, /out\n/);
      assert.match(r.s.logs!.output, /err\n/);
      assert.equal(r.s.logs!.closedWithin, 2000, 'the output was drained with the normal timeout');
      const state = r.state();
      assert.deepEqual([state.phase, state.exitCode, state.exitSignal, state.error], ['exited', status, null, null]);
      assert.ok(state.containerPid! > 0 && state.timestamps.started && state.timestamps.exited);
    });
  }

  test('the runtime gets its log file and an environment without systemd variables; the state file names it', async () => {
    process.env.WATCHDOG_USEC = '3000000';
    try {
      const r = monitor(['true'], { options: { runtimeArg: ['--root=/somewhere'] } });
      assert.equal((await ended(r)).code, 0);
      const { spec, options } = r.s.runtime;
      assert.equal(spec, undefined);
      assert.equal(options?.logFile, path.join(containerDir(stateDir, r.name), 'runtime.log'));
      assert.deepEqual(options?.globalArgs, ['--root=/somewhere']);
      assert.equal(options?.env.WATCHDOG_USEC, undefined);
      assert.equal(options?.env.PATH, process.env.PATH);
      assert.deepEqual(r.state().runtime, { name: 'fake', path: '/fake/runtime', args: ['--root=/somewhere'] });
    } finally {
      delete process.env.WATCHDOG_USEC;
    }
  });

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    test(`killed by ${signal} from outside: 128+N`, async () => {
      const r = monitor(['sleep', '30']);
      const state = await r.waitForPhase('ready');
      process.kill(state.containerPid!, signal);
      assert.equal((await ended(r)).code, signal === 'SIGKILL' ? 137 : 143);
      assert.equal(r.state().exitSignal, signal);
      assert.deepEqual(r.s.runtime.calls, RAN_AND_DELETED);
    });
  }
});

describe('readiness', () => {
  test('conmon: ctrmon sends READY=1 once started, STOPPING=1 on stop; no relay', async () => {
    const r = monitor(trapping('trap "exit 0" TERM'), { systemd: true, options: { sdnotify: 'conmon' } });
    await waitFor(() => r.systemd.includes('READY=1'), 5000, 'READY=1');
    const state = await r.waitForPhase('ready');
    assert.ok(state.timestamps.started! <= state.timestamps.ready!);
    assert.equal(r.s.relay, undefined, 'the container gets no notify socket');
    await r.waitForOutput(TRAPS_SET);
    signalMonitor('SIGTERM');
    assert.equal((await ended(r)).code, 0);
    assert.deepEqual(r.systemd, ['READY=1', 'STOPPING=1']);
    assert.ok(r.state().timestamps.stopping);
  });

  test("container: READY is the application's (through the relay); the relay is closed at the end", async () => {
    const r = monitor(trapping('echo "NOTIFY_SOCKET=$NOTIFY_SOCKET"; trap "exit 0" TERM'), {
      systemd: true,
      options: { sdnotify: 'container' },
    });
    await r.waitForPhase('running');
    const relay = r.s.relay!;
    assert.ok(relay.started);
    assert.equal(relay.options.socketPath, path.join(containerDir(stateDir, r.name), 'notify', 'notify.sock'));
    await r.waitForOutput(TRAPS_SET);
    assert.match(r.s.logs!.output, /NOTIFY_SOCKET=\/run\/notify\/notify\.sock\n/);
    await delay(100);
    assert.equal(r.state().phase, 'running', 'not ready before the application says so');
    relay.stateChange('READY=1', 'STATUS=up');
    assert.ok(r.state().timestamps.ready);
    assert.equal(r.state().phase, 'ready');
    signalMonitor('SIGTERM');
    assert.equal((await ended(r)).code, 0);
    assert.ok(relay.closed);
    assert.deepEqual(r.systemd, ['STOPPING=1'], 'READY reached systemd from the relay, not from ctrmon');
  });

  test('container: a READY before `runtime start` returned: phase ready, with started and ready set', async () => {
    const r = monitor(sh('sleep 0.2'), {
      options: { sdnotify: 'container' },
      prepare: (s) => {
        s.runtime.during.start = () => s.relay!.stateChange('READY=1');
      },
    });
    assert.equal((await ended(r)).code, 0);
    const { timestamps } = r.state();
    assert.ok(timestamps.started && timestamps.ready && timestamps.started <= timestamps.ready);
    assert.ok(r.logs.some((l) => l.msg === 'container ready'));
  });

  test('healthy: READY=1 only after the first passing health check', async () => {
    const ok = path.join(dir, `healthy-${++n}`);
    const r = monitor(trapping('trap "exit 0" TERM'), {
      systemd: true,
      options: { sdnotify: 'healthy', healthCmd: `test -e ${ok}`, healthInterval: '50ms', healthStartPeriod: '5s' },
    });
    await r.waitForPhase('running');
    await waitFor(() => r.s.runtime.calls.includes('exec'), 5000, 'a health check');
    await delay(150);
    assert.deepEqual(r.systemd, [], 'not ready while the check fails');
    assert.equal(r.state().health?.status, 'starting');
    writeFileSync(ok, '');
    await waitFor(() => r.systemd.includes('READY=1'), 5000, 'READY=1');
    const state = await r.waitForPhase('ready');
    assert.equal(state.health?.status, 'healthy');
    await r.waitForOutput(TRAPS_SET);
    signalMonitor('SIGTERM');
    assert.equal((await ended(r)).code, 0);
  });

  test('ignore: nothing is sent, not even STOPPING', async () => {
    const r = monitor(trapping('trap "exit 0" TERM'), { systemd: true, options: { sdnotify: 'ignore' } });
    await r.waitForOutput(TRAPS_SET);
    signalMonitor('SIGTERM');
    assert.equal((await ended(r)).code, 0);
    await delay(50);
    assert.deepEqual(r.systemd, []);
    assert.equal(r.s.relay, undefined);
  });
});

describe('stop', () => {
  test('--stop-signal is what the container receives', async () => {
    const r = monitor(trapping('trap "exit 7" USR2'), { options: { stopSignal: 'USR2' } });
    await r.waitForOutput(TRAPS_SET);
    signalMonitor('SIGINT');
    assert.equal((await ended(r)).code, 7);
  });

  test('a container that ignores the stop signal gets SIGKILL after the stop timeout: 137', async () => {
    // An ignored signal stays ignored across exec: only the SIGKILL ends the sleep.
    const r = monitor(trapping('trap "" TERM', 'exec sleep 30'), { options: { stopTimeout: '0.3' } });
    await r.waitForOutput(TRAPS_SET);
    const t0 = Date.now();
    signalMonitor('SIGTERM');
    assert.equal((await ended(r)).code, 137);
    assert.ok(Date.now() - t0 >= 280, 'the stop timeout was waited for');
    assert.equal(r.state().exitSignal, 'SIGKILL');
    assert.ok(r.logs.some((l) => String(l.msg).includes('did not stop in time')));
    assert.deepEqual(r.s.runtime.calls, RAN_AND_DELETED);
  });

  test('a stop while `runtime start` runs waits for it, then signals the container: 143, never 125', async () => {
    const r = monitor(['sleep', '30'], {
      prepare: (s) => {
        s.runtime.during.start = async () => {
          signalMonitor('SIGTERM');
          await delay(100);
        };
      },
    });
    const { code, error } = await ended(r);
    assert.deepEqual([code, error], [143, null]);
    assert.deepEqual(r.s.runtime.calls, RAN_AND_DELETED);
    assert.equal(r.state().phase, 'exited');
  });

  test('a stop while `runtime create` runs: the created container is killed unstarted and deleted: 143', async () => {
    const r = monitor(['sleep', '30'], {
      prepare: (s) => {
        s.runtime.during.create = () => signalMonitor('SIGTERM');
      },
    });
    assert.deepEqual(await ended(r), { code: 143, error: null });
    assert.deepEqual(r.s.runtime.calls, ['create', 'delete --force']);
    const state = r.state();
    assert.deepEqual([state.phase, state.exitCode, state.timestamps.started], ['exited', 143, null]);
  });

  test('HUP, QUIT, USR1 and USR2 are forwarded to the container', async () => {
    const traps = ['HUP', 'QUIT', 'USR1', 'USR2'].map((s) => `trap "echo got-${s}" ${s};`).join(' ');
    const r = monitor(trapping(`${traps} trap "exit 0" TERM`));
    await r.waitForOutput(TRAPS_SET);
    for (const s of ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) {
      signalMonitor(s);
      await r.waitForOutput(`got-${s.slice(3)}`);
    }
    signalMonitor('SIGTERM');
    assert.equal((await ended(r)).code, 0);
  });
});

/** The end of a run that failed in ctrmon: its exit code, the error in the state file. */
async function assertFailed(r: Run, code: number, errorCode: string, message: RegExp): Promise<ContainerState> {
  const result = await ended(r);
  assert.equal(result.code, code);
  assert.equal(result.error?.code, errorCode);
  assert.match(result.error!.message, message);
  const state = r.state();
  assert.deepEqual([state.phase, state.exitCode, state.error?.code], ['exited', code, errorCode]);
  assert.ok(state.timestamps.exited);
  return state;
}

describe('a failure in each step', () => {
  test('the runtime cannot be found: 127, nothing else taken', async () => {
    const r = monitor(['true'], {
      prepare: (s) => {
        s.dependencies.createRuntime = (_spec, options) => PRODUCTION_DEPENDENCIES.createRuntime('/nonexistent/runc', options);
      },
    });
    await assertFailed(r, 127, 'ERR_RUNTIME_NOT_FOUND', /OCI runtime \/nonexistent\/runc not found/);
    assert.deepEqual([r.s.logs, r.s.relay], [undefined, undefined]);
  });

  test('the source cannot be prepared (an invalid bundle): 125, the runtime never called', async () => {
    const broken = bundleWith('{"process": ');
    const r = monitor(['true'], { options: { bundle: broken, sdnotify: 'container' } });
    await assertFailed(r, 125, 'ERR_BUNDLE_INVALID', /config\.json is not valid JSON/);
    assert.deepEqual(r.s.runtime.calls, []);
    assert.deepEqual([r.s.logs, r.s.relay], [undefined, undefined], 'neither was opened');
  });

  for (const [error, code] of [
    [new CtrmonError('ERR_RUNTIME_FAILED', 'fake create failed (exit status 1): no such root'), 125],
    [new CtrmonError('ERR_COMMAND_NOT_FOUND', 'fake create failed (exit status 1): not found in $PATH', {}, { exitCode: 127 }), 127],
  ] as const) {
    test(`create fails (${error.code}): ${code}; no container to delete; logs and relay closed`, async () => {
      const r = monitor(['true'], {
        options: { sdnotify: 'container' },
        prepare: (s) => {
          s.runtime.during.create = () => {
            throw error;
          };
        },
      });
      const state = await assertFailed(r, code, error.code, /fake create failed/);
      assert.equal(state.containerPid, null);
      assert.deepEqual(r.s.runtime.calls, ['create']);
      assert.equal(r.s.logs!.closedWithin, 500, 'drained with the shorter timeout after a failure');
      assert.ok(r.s.relay!.closed);
    });
  }

  test('start fails: 125; the created container is killed, then deleted; logs and relay closed', async () => {
    const r = monitor(['sleep', '30'], {
      options: { sdnotify: 'container' },
      prepare: (s) => {
        s.runtime.during.start = () => {
          throw new CtrmonError('ERR_RUNTIME_FAILED', 'fake start failed (exit status 1): no');
        };
      },
    });
    const state = await assertFailed(r, 125, 'ERR_RUNTIME_FAILED', /fake start failed/);
    assert.ok(state.containerPid! > 0);
    assert.equal(processState(state.containerPid!), 'gone', 'the container was reaped');
    assert.deepEqual(r.s.runtime.calls, RAN_AND_DELETED, 'deleted once it no longer ran');
    assert.equal(r.s.logs!.closedWithin, 500);
    assert.ok(r.s.relay!.closed);
  });

  test('the container dies before start: 125 with the runtime error; deleted', async () => {
    const r = monitor(['sleep', '30'], {
      prepare: (s) => {
        s.runtime.during.start = async () => {
          const pid = r.state().containerPid!;
          process.kill(pid, 'SIGKILL');
          await waitFor(() => processState(pid) !== 'T', 2000, 'the container to die');
        };
      },
    });
    await assertFailed(r, 125, 'ERR_RUNTIME_FAILED', /cannot start a container that has stopped/);
    assert.deepEqual(r.s.runtime.calls, RAN_AND_DELETED);
  });

  test('a leftover container of the same name is deleted and the create retried', async () => {
    const name = `leftover-${++n}`;
    const r = monitor(sh('echo replaced; exit 4'), {
      name,
      prepare: (s) => s.runtime.containers.set(name, { bundle: path.join(dir, 'crashed-bundle'), pid: null }),
    });
    assert.deepEqual(await ended(r), { code: 4, error: null });
    assert.deepEqual(r.s.runtime.calls, ['create', 'state', 'delete --force', ...RAN_AND_DELETED]);
    assert.match(r.s.logs!.output, /replaced/);
    assert.ok(r.logs.some((l) => l.msg === 'removing a leftover container of this name'));
  });

  test('a container of this name that a live monitor of another state directory runs is not touched: 125', async () => {
    const name = `taken-${++n}`;
    const other = containerDir(path.join(dir, 'other-state'), name);
    mkdirSync(other, { recursive: true });
    const lock = claimName(name, other);
    try {
      const r = monitor(['true'], {
        name,
        prepare: (s) => s.runtime.containers.set(name, { bundle: path.join(other, 'bundle'), pid: null }),
      });
      await assertFailed(r, 125, 'ERR_NAME_IN_USE', new RegExp(`container name "${name}" is in use by ctrmon pid ${process.pid}`));
      assert.deepEqual(r.s.runtime.calls, ['create', 'state']);
      assert.ok(r.s.runtime.containers.has(name), 'the other monitor keeps its container');
    } finally {
      lock.release();
    }
  });

  test('a second monitor of a live container name is refused; the first runs on', async () => {
    const first = monitor(trapping('trap "exit 0" TERM'));
    await first.waitForOutput(TRAPS_SET);
    await first.waitForPhase('ready');
    const second = monitor(['true'], { name: first.name });
    const { code, error } = await ended(second);
    assert.deepEqual([code, error?.code], [125, 'ERR_NAME_IN_USE']);
    assert.deepEqual(second.s.runtime.calls, []);
    assert.equal(first.state().phase, 'ready', 'the running monitor and its state file are untouched');
    signalMonitor('SIGTERM');
    assert.equal((await ended(first)).code, 0);
  });
});
