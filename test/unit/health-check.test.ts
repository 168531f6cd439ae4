import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { HealthChecker, type ProbeResult, parseHealthCommand } from '../../src/health/health-check';
import { createLogger } from '../../src/log';
import type { HealthState } from '../../src/state/types';
import { waitFor } from '../helpers/wait';

const log = createLogger('silent');

/** A checker whose probe answers from a script of exit codes (null = timed out). */
function scripted(results: (number | null)[], startPeriodMs = 0, retries = 2) {
  const changes: HealthState['status'][] = [];
  let calls = 0;
  const probe = async (): Promise<ProbeResult> => {
    const r = results[Math.min(calls++, results.length - 1)];
    return r === null ? { exitCode: null, timedOut: true, output: '' } : { exitCode: r, timedOut: false, output: `exit ${r}` };
  };
  const checker = new HealthChecker(
    { command: ['x'], intervalMs: 5, timeoutMs: 100, retries, startPeriodMs },
    probe,
    (s) => changes.push(s.status),
    log,
  );
  return { checker, changes, calls: () => calls };
}

describe('health checks', () => {
  test("podman's command forms", () => {
    assert.deepEqual(parseHealthCommand('curl -f http://x || exit 1'), ['/bin/sh', '-c', 'curl -f http://x || exit 1']);
    assert.deepEqual(parseHealthCommand('["CMD", "test", "-e", "/ok"]'), ['test', '-e', '/ok']);
    assert.deepEqual(parseHealthCommand('["CMD-SHELL", "test -e /ok"]'), ['/bin/sh', '-c', 'test -e /ok']);
    assert.deepEqual(parseHealthCommand('["/bin/check"]'), ['/bin/check']);
    assert.throws(() => parseHealthCommand('["CMD"]'), /no command/);
    assert.throws(() => parseHealthCommand('[1'), /not a valid JSON array/);
  });

  test('starting -> healthy -> unhealthy after `retries` consecutive failures -> healthy again', async () => {
    const { checker, changes } = scripted([1, 0, 0, 1, null, 0]);
    checker.start(true);
    await waitFor(() => changes.length === 3, 2000, 'three status changes');
    checker.stop();
    assert.deepEqual(changes, ['healthy', 'unhealthy', 'healthy']);
  });

  test('the first check runs at once when readiness waits for it, else one interval after the start', async () => {
    for (const firstNow of [true, false]) {
      let calls = 0;
      const checker = new HealthChecker(
        { command: ['x'], intervalMs: 300, timeoutMs: 100, retries: 1, startPeriodMs: 0 },
        async () => {
          calls++;
          return { exitCode: 0, timedOut: false, output: '' };
        },
        () => undefined,
        log,
      );
      const started = Date.now();
      checker.start(firstNow);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(calls, firstNow ? 1 : 0, `firstNow: ${firstNow}`);
        await waitFor(() => calls === 1, 2000, 'the first check');
      } finally {
        checker.stop();
      }
      // A timer never fires early (but for Node's rounding to the millisecond).
      if (!firstNow) assert.ok(Date.now() - started >= 299, 'one interval first');
    }
  });

  test('failures in the start period do not count; a pass ends the period', async () => {
    const { checker, changes, calls } = scripted([1, 1, 1, 1, 1], 10_000, 2);
    checker.start(true);
    await waitFor(() => calls() >= 5, 2000, 'five checks');
    checker.stop();
    assert.deepEqual(changes, []);
    assert.equal(checker.state.status, 'starting');
    assert.equal(checker.state.failingStreak, 0);
    assert.match(checker.state.lastOutput, /exit 1/);
  });

  test('a probe that throws counts as a failure with its message', async () => {
    const changes: string[] = [];
    const checker = new HealthChecker(
      { command: ['x'], intervalMs: 5, timeoutMs: 100, retries: 1, startPeriodMs: 0 },
      async () => {
        throw new Error('runtime gone');
      },
      (s) => changes.push(s.status),
      log,
    );
    checker.start(true);
    await waitFor(() => changes.length === 1, 2000, 'unhealthy');
    checker.stop();
    assert.equal(checker.state.status, 'unhealthy');
    assert.equal(checker.state.lastOutput, 'runtime gone');
  });

  test('a startup probe runs first, until it passes `successes` times in a row; then the regular checks begin', async () => {
    const calls: string[] = [];
    const startup = [1, 0, 1, 0, 0];
    const changes: string[] = [];
    const checker = new HealthChecker(
      { command: ['regular'], intervalMs: 5, timeoutMs: 100, retries: 1, startPeriodMs: 0 },
      async ([cmd]) => {
        calls.push(cmd);
        const code = cmd === 'startup' ? startup.shift()! : 0;
        return { exitCode: code, timedOut: false, output: '' };
      },
      (s) => changes.push(s.status),
      log,
      {
        options: { command: ['startup'], intervalMs: 5, timeoutMs: 100, retries: 3, successes: 2 },
        onFailed: () => assert.fail('restarted'),
      },
    );
    checker.start(true);
    await waitFor(() => changes.length === 1, 2000, 'healthy');
    checker.stop();
    assert.deepEqual(calls.slice(0, 6), ['startup', 'startup', 'startup', 'startup', 'startup', 'regular']);
    assert.deepEqual(changes, ['healthy']);
  });

  test('a startup probe failing `retries` times in a row stops the checks and asks for a restart; 0 never does', async () => {
    let failed = 0;
    const probe = async () => ({ exitCode: 1, timedOut: false, output: 'no' });
    const startupOf = (retries: number) => ({ command: ['s'], intervalMs: 5, timeoutMs: 100, retries, successes: 0 });
    let calls = 0;
    const checker = new HealthChecker(
      { command: ['x'], intervalMs: 5, timeoutMs: 100, retries: 1, startPeriodMs: 0 },
      async () => {
        calls++;
        return probe();
      },
      () => assert.fail('no status change while the startup probe runs'),
      log,
      { options: startupOf(3), onFailed: () => failed++ },
    );
    checker.start(true);
    await waitFor(() => failed === 1, 2000, 'the restart');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(calls, 3, 'no check after the restart was asked for');
    assert.equal(checker.state.status, 'starting');

    let never = 0;
    const patient = new HealthChecker(
      { command: ['x'], intervalMs: 5, timeoutMs: 100, retries: 1, startPeriodMs: 0 },
      async () => {
        never++;
        return probe();
      },
      () => assert.fail('no status change'),
      log,
      { options: startupOf(0), onFailed: () => assert.fail('retries 0 never restarts') },
    );
    patient.start(true);
    await waitFor(() => never >= 10, 2000, 'ten startup checks');
    patient.stop();
  });
});
