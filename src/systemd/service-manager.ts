// What the end-to-end tests and the benchmark need from a systemd: run commands where it runs,
// install units, start and stop them, read their properties and journal. Implemented by the
// private systemd (machines whose PID 1 is something else) and by the host's own.
import type { SpawnSyncReturns } from 'node:child_process';

import type { RunResult } from '../process/spawn';

export interface ServiceManager {
  /** What it is, for reports: "private systemd 252 (pid 1234)" or "host systemd". */
  readonly description: string;
  exec(command: string[], input?: string): SpawnSyncReturns<string>;
  run(command: string[]): Promise<RunResult>;
  writeFile(file: string, content: string, mode?: string): void;
  readFile(file: string): string;
  installUnit(name: string, content: string): void;
  daemonReload(): void;
  systemctl(...args: string[]): Promise<RunResult>;
  show(unit: string, ...properties: string[]): Record<string, string>;
  journal(unit: string): string;
  /** Ends it (private) or removes what was installed (host). */
  shutdown(): Promise<void>;
}

/** `systemctl show` output as a property map. */
export function parseProperties(output: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}
