// The machine's own systemd, when it is PID 1 (an edge board): units are installed as runtime
// units under /run/systemd/system (gone at reboot) and removed again by shutdown().
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { type RunResult, run } from '../../../src/process/spawn';
import { RUNTIME_UNIT_DIR, ServiceManager } from './service-manager';

export function hostIsSystemd(): boolean {
  try {
    return readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' && existsSync(RUNTIME_UNIT_DIR);
  } catch {
    return false;
  }
}

export class HostSystemd extends ServiceManager {
  readonly description = 'host systemd (PID 1)';
  private readonly installed: string[] = [];

  exec(command: string[], input?: string): SpawnSyncReturns<string> {
    return spawnSync(command[0], command.slice(1), { encoding: 'utf8', input });
  }

  run(command: string[]): Promise<RunResult> {
    return run(command[0], command.slice(1), { maxOutput: 1024 * 1024 });
  }

  writeFile(file: string, content: string, mode = '0644'): void {
    writeFileSync(file, content, { mode: parseInt(mode, 8) });
    if (path.dirname(file) === RUNTIME_UNIT_DIR) this.installed.push(file);
  }

  readFile(file: string): string {
    return readFileSync(file, 'utf8');
  }

  async shutdown(): Promise<void> {
    for (const file of this.installed.splice(0)) {
      // A unit that cannot be loaded runs nothing: its file goes all the same.
      await this.client.stop(path.basename(file)).catch(() => undefined);
      rmSync(file, { force: true });
    }
    await this.client.daemonReload();
  }
}
