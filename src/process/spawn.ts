// Every child ctrmon starts goes through here, so that the orphan reaper knows which pids
// belong to libuv (child_process reaps them itself; reaping one would lose its 'exit' event).
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

const live = new Set<number>();

/** Pids of children started with spawnTracked that have not exited yet. */
export function trackedPids(): ReadonlySet<number> {
  return live;
}

export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  const pid = child.pid;
  if (pid !== undefined) {
    live.add(pid);
    child.once('exit', () => live.delete(pid));
  }
  return child;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** SIGKILL the command after this long; the result then has signal 'SIGKILL'. */
  timeoutMs?: number;
  /** Output kept per stream; the rest is discarded. */
  maxOutput?: number;
  /** Written to the command's stdin (otherwise stdin is /dev/null). */
  input?: string;
}

/**
 * Runs a command to completion with its output collected. Rejects only when it cannot be started
 * (the spawn error: ENOENT, EACCES, ...); a non-zero exit is a normal result.
 */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const max = options.maxOutput ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawnTracked(command, args, {
      env: options.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdin?.end(options.input);
    const out = { stdout: '', stderr: '' };
    const collect = (key: 'stdout' | 'stderr') => (d: Buffer) => {
      if (out[key].length < max) out[key] += d.toString('utf8', 0, Math.min(d.length, max - out[key].length));
    };
    child.stdout!.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ...out });
    });
  });
}
