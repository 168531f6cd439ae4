// The machine's own systemd, when it is PID 1 (an edge board): units are installed as runtime
// units under /run/systemd/system (gone at reboot) and removed again by shutdown().
import { SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError } from '../errors';
import { RunResult, run } from '../process/spawn';
import { ServiceManager, parseProperties } from './service-manager';

const RUNTIME_UNIT_DIR = '/run/systemd/system';

export function hostIsSystemd(): boolean {
  try {
    return readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' && existsSync('/run/systemd/system');
  } catch {
    return false;
  }
}

export class HostSystemd implements ServiceManager {
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
  }

  readFile(file: string): string {
    return readFileSync(file, 'utf8');
  }

  installUnit(name: string, content: string): void {
    const file = path.join(RUNTIME_UNIT_DIR, name);
    writeFileSync(file, content);
    this.installed.push(file);
    this.daemonReload();
  }

  daemonReload(): void {
    const r = this.exec(['systemctl', 'daemon-reload']);
    if (r.status !== 0) throw new CtrmonError('ERR_STATE', `daemon-reload failed: ${r.stderr}`);
  }

  systemctl(...args: string[]): Promise<RunResult> {
    return this.run(['systemctl', ...args]);
  }

  show(unit: string, ...properties: string[]): Record<string, string> {
    return parseProperties(this.exec(['systemctl', 'show', unit, ...properties.map((p) => `--property=${p}`)]).stdout);
  }

  journal(unit: string): string {
    return this.exec(['journalctl', '--no-pager', '-o', 'cat', '-u', unit]).stdout;
  }

  async shutdown(): Promise<void> {
    for (const file of this.installed.splice(0)) {
      await this.systemctl('stop', path.basename(file));
      rmSync(file, { force: true });
    }
    this.daemonReload();
  }
}
