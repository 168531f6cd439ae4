// Runs `ctrmon monitor` as the real program (bin/ctrmon.js) in a child process, the way systemd
// would, with a private state directory, and collects its output.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { buildDemoBundle } from '../lab/demo-bundle';
import { stateFile } from '../../src/state/paths';
import { readState } from '../../src/state/reader';
import type { ContainerState, Phase } from '../../src/state/types';
import { PACKAGE_ROOT, packagePath } from '../../src/package-root';
import { delay } from './wait';

export const CTRMON = packagePath('bin', 'ctrmon.js');

/** The demo bundle, built once by scripts/run-tests.js (CTRMON_TEST_BUNDLE) or here. */
export function testBundle(): string {
  return process.env.CTRMON_TEST_BUNDLE ?? buildDemoBundle(path.join(PACKAGE_ROOT, '.cache', 'test-bundle'));
}

let seq = 0;
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${++seq}`;
}

export interface StartOptions {
  /** Options and arguments after `ctrmon monitor`. */
  args: string[];
  notifySocket?: string;
  env?: NodeJS.ProcessEnv;
  /** A command line that runs ctrmon (e.g. unshare ... sh -c 'exec "$@"' --); the cleanup runs the runtime in it too. */
  wrap?: string[];
  /** A command that execs the wrapped ctrmon, used only to start it (systemd-socket-activate ...). */
  launcher?: string[];
  stateDir?: string;
}

export class MonitorProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly wrap: string[];

  constructor(
    readonly name: string,
    readonly stateDir: string,
    options: StartOptions,
  ) {
    this.wrap = options.wrap ?? [];
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    delete env.NOTIFY_SOCKET;
    if (options.notifySocket) env.NOTIFY_SOCKET = options.notifySocket;
    const argv = [process.execPath, CTRMON, 'monitor', '--state-dir', stateDir, ...options.args];
    const [cmd, ...args] = [...(options.launcher ?? []), ...this.wrap, ...argv];
    this.child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get stateFile(): string {
    return stateFile(this.stateDir, this.name);
  }

  state(): ContainerState {
    return readState(this.stateFile);
  }

  async waitForPhase(phase: Phase, timeoutMs = 10_000): Promise<ContainerState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (existsSync(this.stateFile)) {
        const state = this.state();
        if (state.phase === phase) return state;
      }
      if (Date.now() > deadline) throw new Error(`${this.name} did not reach ${phase} in ${timeoutMs} ms; stderr:\n${this.stderr}`);
      await delay(10);
    }
  }

  async waitForOutput(text: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stdout.includes(text) && !this.stderr.includes(text)) {
      if (Date.now() > deadline)
        throw new Error(`${this.name}: no "${text}" in ${timeoutMs} ms; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await delay(10);
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Ctrmon's JSON log lines. */
  logLines(): Array<Record<string, unknown>> {
    return this.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** Kills ctrmon and its container if a test left them running. */
  async cleanup(runtime: string): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    const [cmd, ...args] = [...this.wrap, runtime, 'delete', '--force', this.name];
    spawnSync(cmd, args, { stdio: 'ignore' });
  }
}

export function newStateDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'ctrmon-state-'));
}
