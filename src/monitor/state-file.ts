// The state file, <state-dir>/<name>/state.json: the contract between a running monitor and
// everything that observes it (`ctrmon ps`, the update engine, the benchmark). It is rewritten
// atomically (write a temporary file, then rename) at every transition. Readers must ignore
// fields they do not know, so that later versions can add some.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';

export const STATE_VERSION = 1;
export const DEFAULT_STATE_DIR = '/run/ctrmon';

export type SdNotifyMode = 'container' | 'conmon' | 'healthy' | 'ignore';
export type Phase = 'creating' | 'running' | 'ready' | 'stopping' | 'exited';
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  lastCheck: string | null;
  lastExitCode: number | null;
  lastOutput: string;
}

export interface ContainerState {
  version: number;
  name: string;
  /** ctrmon's pid: the unit's main PID under systemd. */
  monitorPid: number;
  /** The container's init process (host pid namespace), once created. */
  containerPid: number | null;
  runtime: { name: string; path: string; args: string[] };
  /** The user's bundle directory. */
  bundle: string;
  sdnotify: SdNotifyMode;
  /** The systemd unit ctrmon runs in (from its cgroup), and that run's $INVOCATION_ID. */
  unit: string | null;
  invocationId: string | null;
  labels: Record<string, string>;
  phase: Phase;
  timestamps: {
    created: string;
    started: string | null;
    ready: string | null;
    stopping: string | null;
    exited: string | null;
  };
  /** The code ctrmon exits with: the container's, 128+N for signal N, 125-127 for ctrmon's errors. */
  exitCode: number | null;
  exitSignal: string | null;
  health: HealthState | null;
  logDriver: string;
  logPath: string | null;
  /** ctrmon's own failure, if that is why it ended. */
  error: { code: string; message: string } | null;
}

export function containerDir(stateDir: string, name: string): string {
  return path.join(stateDir, name);
}

export function stateFile(stateDir: string, name: string): string {
  return path.join(containerDir(stateDir, name), 'state.json');
}

export function writeState(file: string, state: ContainerState): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o644 });
  renameSync(tmp, file);
}

export function readState(file: string): ContainerState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CtrmonError('ERR_STATE', `cannot read state file ${file}: ${errorMessage(err)}`, { path: file });
  }
  try {
    const state = JSON.parse(text) as ContainerState;
    if (typeof state !== 'object' || state === null || typeof state.name !== 'string') throw new Error('not a state object');
    return state;
  } catch (err) {
    throw new CtrmonError('ERR_STATE', `state file ${file} is corrupt: ${errorMessage(err)}`, { path: file });
  }
}

/** Every container with a state file under stateDir, with the files that could not be read. */
export function listStates(stateDir: string): { states: ContainerState[]; errors: CtrmonError[] } {
  const states: ContainerState[] = [];
  const errors: CtrmonError[] = [];
  let names: string[];
  try {
    names = readdirSync(stateDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return { states, errors };
  }
  for (const name of names.sort()) {
    const file = stateFile(stateDir, name);
    if (!existsSync(file)) continue;
    try {
      states.push(readState(file));
    } catch (err) {
      errors.push(err as CtrmonError);
    }
  }
  return { states, errors };
}

/** True when the process that wrote the state still runs (and is not a recycled pid of something else). */
export function monitorAlive(state: ContainerState): boolean {
  try {
    const cmdline = readFileSync(`/proc/${state.monitorPid}/cmdline`, 'utf8');
    return cmdline.includes('ctrmon') && cmdline.includes(state.name);
  } catch {
    return false;
  }
}
