// One container under one monitor, started directly (no systemd): ctrmon as a unit would run it,
// or conmon as podman drives it (conmon creates, the caller starts; --sync keeps conmon our child).
// Both get a notify socket to relay to and pass the container's output through.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError } from '../src/errors';
import { readState } from '../src/state/reader';
import { stateFile } from '../src/state/paths';
import { type Bundle, writeBundle } from '../src/spec/bundle';
import { bundleBase } from '../src/spec/bundle-base';
import { buildSpec } from '../src/spec/pipeline';
import type { ResolvedRuntime } from '../src/runtime/resolve';
import { ctrmonCommand } from '../src/systemd/unit-generator';

/** ctrmon-baseline: another ctrmon build (--baseline), measured beside this one. */
export type MonitorKind = 'ctrmon' | 'conmon' | 'ctrmon-baseline';

export interface DirectMonitor {
  kind: MonitorKind;
  name: string;
  /** The monitor process (what is measured). */
  pid: number;
  containerPid: number;
  /** The container's output so far. */
  output(): string;
  /** Resolves with the monitor's exit code. */
  exited: Promise<number | null>;
  /** Kills the container, waits for the monitor and removes what is left. */
  stop(): Promise<void>;
}

export interface DirectOptions {
  name: string;
  bundle: Bundle;
  command: string[];
  notifySocket: string;
  runtime: ResolvedRuntime;
  workDir: string;
  /** The command that runs the baseline ctrmon build (node, flags, its bin/ctrmon.js). */
  baselineCommand?: string[];
}

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new CtrmonError('ERR_HARNESS', `benchmark: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function watch(child: ChildProcess): { output: () => string; exited: Promise<number | null> } {
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { output: () => output, exited };
}

/** The environment a systemd unit gives its main process, not this harness's own. */
function unitEnv(notifySocket?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
  if (notifySocket) env.NOTIFY_SOCKET = notifySocket;
  return env;
}

function killContainer(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export async function startCtrmon(o: DirectOptions, kind: 'ctrmon' | 'ctrmon-baseline' = 'ctrmon'): Promise<DirectMonitor> {
  const stateDir = path.join(o.workDir, `${kind}-state`);
  const command = kind === 'ctrmon' ? ctrmonCommand() : o.baselineCommand;
  if (!command) throw new CtrmonError('ERR_HARNESS', 'benchmark: no baseline ctrmon was given');
  const [node, ...script] = command;
  const child = spawn(
    node,
    [
      ...script,
      'monitor',
      '--runtime',
      o.runtime.path,
      '--bundle',
      o.bundle.dir,
      '--sdnotify',
      'container',
      '--state-dir',
      stateDir,
      '--log-level',
      'warn',
      o.name,
      ...o.command,
    ],
    {
      env: unitEnv(o.notifySocket),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const { output, exited } = watch(child);
  const file = stateFile(stateDir, o.name);
  const containerPid = await until(`ctrmon ${o.name} to start its container`, 10_000, () => {
    if (child.exitCode !== null) throw new CtrmonError('ERR_HARNESS', `ctrmon ${o.name} exited with ${child.exitCode}`);
    if (!existsSync(file)) return undefined;
    const state = readState(file);
    return state.phase === 'running' || state.phase === 'ready' ? (state.containerPid ?? undefined) : undefined;
  });
  return {
    kind,
    name: o.name,
    pid: child.pid!,
    containerPid,
    output,
    exited,
    async stop() {
      killContainer(containerPid);
      await exited;
    },
  };
}

export async function startConmon(o: DirectOptions): Promise<DirectMonitor> {
  const dir = path.join(o.workDir, 'conmon', o.name);
  rmSync(dir, { recursive: true, force: true });
  const notifyDir = path.join(dir, 'notify');
  mkdirSync(notifyDir, { recursive: true });
  mkdirSync(path.join(dir, 'exits'));
  // What podman does for --sdnotify=container: the bundle's notify/ directory at /run/notify.
  writeBundle(dir, buildSpec(bundleBase(o.bundle), { command: o.command, env: [], volumes: [], notifyDir }).config);
  const pidFile = path.join(dir, 'pidfile');
  const child = spawn(
    'conmon',
    [
      '--api-version',
      '1',
      '-c',
      o.name,
      '-u',
      o.name,
      '-n',
      o.name,
      '-r',
      o.runtime.path,
      '-b',
      dir,
      '-p',
      pidFile,
      '-l',
      'passthrough',
      '--exit-dir',
      path.join(dir, 'exits'),
      '--socket-dir-path',
      path.join(dir, 'attach'),
      '--full-attach',
      // As podman does: no NOTIFY_SOCKET in conmon's environment (runc would start its own proxy).
      '--sdnotify-socket',
      o.notifySocket,
      '--sync',
    ],
    { env: unitEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const { output, exited } = watch(child);
  const containerPid = await until(`conmon ${o.name} to create its container`, 10_000, () => {
    if (child.exitCode !== null) throw new CtrmonError('ERR_HARNESS', `conmon ${o.name} exited with ${child.exitCode}`);
    try {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  });
  const start = spawnSync(o.runtime.path, ['start', o.name], { encoding: 'utf8' });
  if (start.status !== 0) throw new CtrmonError('ERR_RUNTIME_FAILED', `${o.runtime.name} start ${o.name} failed: ${start.stderr.trim()}`);
  return {
    kind: 'conmon',
    name: o.name,
    pid: child.pid!,
    containerPid,
    output,
    exited,
    async stop() {
      killContainer(containerPid);
      await exited;
      spawnSync(o.runtime.path, ['delete', '--force', o.name], { stdio: 'ignore' }); // podman's job, not conmon's
    },
  };
}

/** Removes containers named bench-* that an interrupted benchmark left with the runtime. */
export function removeLeftovers(runtime: ResolvedRuntime): void {
  const list = spawnSync(runtime.path, ['list', '--quiet'], { encoding: 'utf8' });
  for (const name of list.stdout.split('\n').filter((n) => n.startsWith('bench-'))) {
    spawnSync(runtime.path, ['delete', '--force', name], { stdio: 'ignore' });
  }
}

export function startMonitor(kind: MonitorKind, o: DirectOptions): Promise<DirectMonitor> {
  return kind === 'conmon' ? startConmon(o) : startCtrmon(o, kind);
}
