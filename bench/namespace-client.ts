// A measuring client run where the service manager's units run (its network namespace: the
// loopback ports its units listen on): `node -e script args...`, killed 10 s after the client's own
// timeout should have ended it, so that a hung client cannot hang the benchmark.
import type { RunResult } from '../src/process/spawn';
import type { ServiceManager } from '../test/lab/systemd/service-manager';

export function runClient(sm: ServiceManager, script: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return sm.run(['timeout', '--kill-after=5', String(timeoutMs / 1000 + 10), process.execPath, '-e', script, ...args]);
}

/** The last lines of a command's output, on one line. */
export const tail = (text: string, lines = 3) => text.trim().split('\n').slice(-lines).join(' | ');
