// What the end-to-end tests and the benchmark need from a systemd: run commands where it runs,
// install units, start and stop them, read their properties and journal. Two kinds: the private
// systemd (machines whose PID 1 is something else) and the host's own; they differ only in how a
// command runs and where a file is written, which each provides. Units are driven by ctrmon's own
// SystemdClient, given run() as its runner, so that the tests exercise the production client.
import type { SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';

import { describeHost } from '../../../src/host/host';
import type { RunResult } from '../../../src/process/spawn';
import { SystemdClient } from '../../../src/systemd/systemd-client';

/** Where runtime units go (a tmpfs: gone at reboot). */
export const RUNTIME_UNIT_DIR = '/run/systemd/system';

export abstract class ServiceManager {
  /** What it is, for reports: "private systemd (host pid 1234)" or "host systemd (PID 1)". */
  abstract readonly description: string;
  /** Runs a command where the manager runs and waits for it. */
  abstract exec(command: string[], input?: string): SpawnSyncReturns<string>;
  /** The same without blocking the event loop (`systemctl start` waits for READY). */
  abstract run(command: string[]): Promise<RunResult>;
  abstract writeFile(file: string, content: string, mode?: string): void;
  abstract readFile(file: string): string;
  /** Ends it (private) or removes what was installed (host). */
  abstract shutdown(): Promise<void>;

  /** The host its units run on: a system manager, its services root. */
  readonly host = describeHost({}, 0);

  /** systemctl where the manager runs, through run(). */
  readonly client = new SystemdClient({ runner: (argv) => this.run(argv) });

  /** Installs a runtime unit and reloads the manager. */
  async installUnit(name: string, content: string): Promise<void> {
    this.writeFile(path.posix.join(RUNTIME_UNIT_DIR, name), content);
    await this.client.daemonReload();
  }

  /** Any systemctl command, for verbs the client has no method for (`kill`). */
  systemctl(...args: string[]): Promise<RunResult> {
    return this.run(['systemctl', ...args]);
  }

  /** `systemctl show` properties of a unit. */
  show(unit: string, ...properties: string[]): Promise<Record<string, string>> {
    return this.client.show(unit, ...properties);
  }

  journal(unit: string): string {
    this.exec(['journalctl', '--sync']);
    return this.exec(['journalctl', '--no-pager', '-o', 'cat', '-u', unit]).stdout;
  }
}
