// What the end-to-end tests and the benchmark need from a systemd: run commands where it runs,
// install units, start and stop them, read their properties and journal. Two kinds: the private
// systemd (machines whose PID 1 is something else) and the host's own; they differ only in how a
// command runs and where a file is written, which each provides.
import type { SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';

import { CtrmonError } from '../../errors';
import type { RunResult } from '../../process/spawn';

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

  /** Installs a runtime unit and reloads the manager. */
  installUnit(name: string, content: string): void {
    this.writeFile(path.posix.join(RUNTIME_UNIT_DIR, name), content);
    this.daemonReload();
  }

  daemonReload(): void {
    const r = this.exec(['systemctl', 'daemon-reload']);
    if (r.status !== 0) throw new CtrmonError('ERR_HARNESS', `daemon-reload failed: ${r.stderr}`);
  }

  systemctl(...args: string[]): Promise<RunResult> {
    return this.run(['systemctl', ...args]);
  }

  /** `systemctl show` properties of a unit. */
  show(unit: string, ...properties: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of this.exec(['systemctl', 'show', unit, ...properties.map((p) => `--property=${p}`)]).stdout.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return out;
  }

  journal(unit: string): string {
    this.exec(['journalctl', '--sync']);
    return this.exec(['journalctl', '--no-pager', '-o', 'cat', '-u', unit]).stdout;
  }
}
