// The monitor as a hostile user and a faulty machine treat it (issue: hardening): state
// directories that cannot be made, a disk that fills up under a running container, READY before
// `runtime start` returns, a stop while it runs, a flood of short log lines under a size cap, a
// name taken in another state directory, commands that are missing or not executable, and the
// runtime's own stderr in passthrough mode. Real runc (and crun where it matters).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { hostCgroupLayout } from '../../src/runtime/resolve';
import { CRUN_WRAP, crunSkipReason, inPrivateMounts, integrationSuite } from '../helpers/integration-suite';
import { CTRMON, type MonitorProcess, newStateDir } from '../helpers/monitor-process';
import { delay, waitFor } from '../helpers/wait';

const suite = integrationSuite('hard', 'runc');
const { bundle, scratch } = suite;
const sh = (script: string) => ['/bin/sh', '-c', script];

function runc(
  options: string[],
  command: string[],
  extra: { notifySocket?: string; stateDir?: string; wrap?: string[]; name?: string } = {},
): MonitorProcess {
  return suite.monitor({ options: ['--runtime', 'runc', '--bundle', bundle, ...options], command, ...extra });
}

/**
 * runc behind a wrapper whose `start` takes 0.5 s more, before runc starts the application or after
 * (the application already runs while `start` has not returned): a loaded machine, on demand.
 */
function slowStartRunc(when: 'before' | 'after'): string {
  const dir = path.join(scratch, `slow-${when}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'runc');
  const isStart = 'for a in "$@"; do [ "$a" = start ] && s=1; done';
  const body =
    when === 'before'
      ? '[ -n "$s" ] && sleep 0.5\nexec /usr/sbin/runc "$@"'
      : '/usr/sbin/runc "$@"; rc=$?\n[ -n "$s" ] && sleep 0.5\nexit $rc';
  writeFileSync(file, `#!/bin/sh\ns=\n${isStart}\n${body}\n`, { mode: 0o755 });
  return file;
}

function runcContainers(): string[] {
  return spawnSync('runc', ['list', '-q'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
}

/** Every line of ctrmon's stderr is a JSON object, but for the one "ctrmon: ..." error line at the end. */
function assertJsonLines(stderr: string): void {
  const lines = stderr.split('\n').filter(Boolean);
  for (const [i, line] of lines.entries()) {
    if (i === lines.length - 1 && line.startsWith('ctrmon: ')) continue;
    assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
  }
}

describe('a state directory that cannot be made', () => {
  test('--state-dir is a regular file: one line naming the path, 125, no stack', async () => {
    const file = path.join(scratch, 'plain-file');
    writeFileSync(file, '');
    const a = runc(['--state-dir', file], ['true'], { stateDir: file });
    assert.equal((await a.exited).code, 125);
    assert.equal(a.stderr, `ctrmon: cannot create directory ${path.join(file, a.name)}: ${file} is not a directory\n`);
  });

  test('<state-dir>/<name> a regular file from the start: 125 naming it', async () => {
    const dir = path.join(scratch, 'taken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'webx'), '');
    const m = runc(['--state-dir', dir], ['true'], { stateDir: dir, name: 'webx' });
    assert.equal((await m.exited).code, 125);
    assert.equal(m.stderr, `ctrmon: cannot create directory ${path.join(dir, 'webx')}: ${path.join(dir, 'webx')} is not a directory\n`);
  });

  test('a read-only mount: the real cause (EROFS) and the path', async () => {
    const ro = path.join(scratch, 'ro');
    mkdirSync(ro, { recursive: true });
    const state = path.join(ro, 'state');
    const wrap = inPrivateMounts(`mount -t tmpfs -o ro none ${ro}`);
    const m = runc(['--state-dir', state], ['true'], { stateDir: state, wrap });
    assert.equal((await m.exited).code, 125);
    assert.match(
      m.stderr,
      new RegExp(`^ctrmon: cannot create directory ${state}/${m.name}: EROFS: read-only file system, mkdir '${state}'\n$`),
    );
  });
});

describe('a disk that fills up while the container runs', () => {
  const disk = path.join(scratch, 'small-disk');
  before(() => {
    mkdirSync(disk, { recursive: true });
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'ctrmon-test', disk]);
    assert.equal(r.status, 0, String(r.stderr));
  });
  after(() => {
    spawnSync('umount', [disk]);
  });

  test('ctrmon keeps supervising, the state file stays whole, the write is retried; the stop still works', async () => {
    const systemd = await suite.listener();
    const filler = path.join(disk, 'filler');
    const m = runc(
      ['--sdnotify', 'container', '--state-dir', disk],
      sh('sleep 1; sdnotify -q READY=1; trap "exit 0" TERM; sleep 60 & wait'),
      {
        notifySocket: systemd.address,
        stateDir: disk,
      },
    );
    await m.waitForPhase('running');
    // Fill the disk before READY: its state write fails with ENOSPC.
    const chunk = Buffer.alloc(4096);
    try {
      for (;;) writeFileSync(filler, chunk, { flag: 'a' });
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    await systemd.waitFor((msg) => msg.msg === 'READY=1', 5000, 'READY');
    await waitFor(() => m.logLines().some((l) => l.msg === 'cannot write the state file; retrying'), 5000, 'the failed write logged');
    assert.equal(m.state().phase, 'running', 'the previous state file is whole and readable');
    assert.ok(m.running, 'ctrmon still runs');
    rmSync(filler);
    await waitFor(() => m.state().phase === 'ready', 5000, 'the retried write');
    m.signal('SIGTERM');
    assert.equal((await m.exited).code, 0, m.stderr);
    assert.equal(m.state().phase, 'exited');
    assert.ok(!runcContainers().includes(m.name), 'no container left behind');
  });
});

describe('events in any order', () => {
  test('READY before `runtime start` returns: phase ready, with started and ready set', async () => {
    const systemd = await suite.listener();
    const m = suite.monitor({
      options: ['--runtime', slowStartRunc('after'), '--bundle', bundle, '--sdnotify', 'container'],
      command: sh('sdnotify -q READY=1; sleep 2'),
      notifySocket: systemd.address,
    });
    await m.waitForOutput('container started');
    // With READY recorded first, the phase used to stay `running` for good: this would time out.
    const state = await m.waitForPhase('ready', 5000);
    assert.ok(state.timestamps.started && state.timestamps.ready);
    assert.ok(state.timestamps.started <= state.timestamps.ready);
    m.signal('SIGTERM');
    await m.exited;
  });

  test('SIGTERM while `runtime start` runs: 143 (137 after the stop timeout), never 125, nothing left behind', async () => {
    const slow = slowStartRunc('before');
    for (let i = 0; i < 3; i++) {
      // The application's PID 1 dies of TERM once its trap is set; before that, only SIGKILL ends it.
      const m = suite.monitor({
        options: ['--runtime', slow, '--bundle', bundle, '--stop-timeout', '2'],
        command: sh('trap "exit 143" TERM; sleep 30 & wait'),
      });
      await m.waitForOutput('container created');
      await delay(150); // inside the 0.5 s start
      m.signal('SIGTERM');
      const { code } = await m.exited;
      assert.ok(code === 143 || code === 137, `exit ${code}: ${m.stderr}`);
      assert.ok(!runcContainers().includes(m.name), 'no container left behind');
      assert.equal(m.state().phase, 'exited');
    }
  });
});

test('k8s-file with a 64k cap and 10 MiB of short lines: the file as written stays within the cap', async () => {
  const file = path.join(scratch, 'flood.log');
  const m = runc(['--log-driver', 'k8s-file', '--log-path', file, '--log-size-max', '64k'], sh('yes x | head -c 10485760; echo last-line'));
  assert.equal((await m.exited).code, 0, m.stderr);
  assert.ok(statSync(file).size <= 64 * 1024, `size ${statSync(file).size}`);
  assert.match(readFileSync(file, 'latin1'), / stdout F last-line\n$/);
});

test('a name in use by a live monitor of another state directory is refused (125); the running one is untouched', async () => {
  const first = runc(['--sdnotify', 'conmon'], sh('trap "exit 7" TERM; sleep 30 & wait'));
  await first.waitForPhase('ready');
  const otherDir = newStateDir();
  try {
    const second = suite.monitor({
      name: first.name,
      options: ['--runtime', 'runc', '--bundle', bundle, '--state-dir', otherDir],
      command: ['true'],
      stateDir: otherDir,
    });
    assert.equal((await second.exited).code, 125);
    assert.match(second.stderr, new RegExp(`^ctrmon: container name "${first.name}" is in use by ctrmon pid ${first.pid} `));
    assert.ok(first.running, 'the first monitor still runs');
    assert.equal(first.state().phase, 'ready');
    first.signal('SIGTERM');
    assert.equal((await first.exited).code, 7, 'the first container ran on and stopped as it would');
  } finally {
    rmSync(otherDir, { recursive: true, force: true });
  }
});

test('without --runtime the monitor picks a runtime that works on this host', async () => {
  const m = suite.monitor({ options: ['--bundle', bundle], command: ['true'] });
  assert.equal((await m.exited).code, 0, m.stderr);
  assert.equal(m.state().runtime.name, hostCgroupLayout() === 'unified' ? 'crun' : 'runc');
});

describe("the container's command", () => {
  test("missing: 127, as podman documents, with the runtime's message", async () => {
    for (const command of ['/no/such/program', 'no-such-command']) {
      const m = runc([], [command]);
      assert.equal((await m.exited).code, 127, m.stderr);
      assert.match(m.stderr, new RegExp(`ctrmon: runc create failed \\(exit status 1\\): .*${command}`));
    }
  });

  test('not executable: 126', async () => {
    const m = runc([], ['/bin']);
    assert.equal((await m.exited).code, 126, m.stderr);
    assert.match(m.stderr, /ctrmon: runc create failed \(exit status 1\): .*permission denied/);
  });
});

test("passthrough: the runtime's own stderr never reaches ctrmon's log unmarked; the container's output passes", async () => {
  const failing = runc(['--log-level', 'debug'], ['/no/such/program']);
  assert.equal((await failing.exited).code, 127);
  assert.doesNotMatch(failing.stderr, /^runc create failed/m, "runc's own plain line is not on ctrmon's stderr");
  assertJsonLines(failing.stderr);
  const ok = runc([], sh('echo to-stdout; echo to-stderr >&2'));
  assert.equal((await ok.exited).code, 0);
  assert.match(ok.stdout, /to-stdout/);
  assert.match(ok.stderr, /^to-stderr$/m);
});

describe('ctrmon ps', () => {
  test('a partial state file is one line on stderr; the other rows are listed; table and JSON exit alike', async () => {
    const dir = newStateDir();
    try {
      const m = suite.monitor({ options: ['--runtime', 'runc', '--bundle', bundle, '--state-dir', dir], command: ['true'], stateDir: dir });
      assert.equal((await m.exited).code, 0);
      mkdirSync(path.join(dir, 'partial'));
      writeFileSync(path.join(dir, 'partial', 'state.json'), '{"name": "partial"}\n');
      const table = spawnSync(process.execPath, [CTRMON, 'ps', '--state-dir', dir], { encoding: 'utf8' });
      const json = spawnSync(process.execPath, [CTRMON, 'ps', '--state-dir', dir, '--format', 'json'], { encoding: 'utf8' });
      for (const r of [table, json]) {
        assert.equal(r.status, 1);
        assert.equal(
          r.stderr,
          `ctrmon: state file ${path.join(dir, 'partial', 'state.json')} is corrupt: "version" is missing or invalid\n`,
        );
      }
      assert.match(table.stdout, new RegExp(`^${m.name} +exited \\(0\\)`, 'm'));
      assert.deepEqual(
        (JSON.parse(json.stdout) as { name: string }[]).map((r) => r.name),
        [m.name],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('crun: a missing command is 127 too', { skip: crunSkipReason }, async () => {
  const m = suite.monitor({
    options: ['--runtime', 'crun', '--runtime-arg=--cgroup-manager=disabled', '--bundle', bundle],
    command: ['/no/such/program'],
    wrap: CRUN_WRAP,
  });
  assert.equal((await m.exited).code, 127, m.stderr);
  assert.match(m.stderr, /crun create failed \(exit status 1\): executable file `\/no\/such\/program` not found/);
  spawnSync('crun', ['delete', '--force', m.name], { stdio: 'ignore' });
});
