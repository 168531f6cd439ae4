// Drives an OCI runtime (runc, crun) through its command line. Every call passes
// `--log FILE --log-format json`, so a failure's own message can be quoted in ctrmon's error
// whatever happens to the runtime's stderr. The environment given here never contains
// NOTIFY_SOCKET: a runtime that sees it starts its own notify proxy and `start` blocks on READY.
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';

import { CtrmonError, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, errorMessage } from '../errors';
import { type RunResult, run, spawnTracked } from '../process/spawn';
import { signalExitCode } from '../signal-numbers';
import type { ResolvedRuntime } from './resolve';

export interface RuntimeOptions {
  /** Global options placed before the verb (e.g. --cgroup-manager=disabled for crun). */
  globalArgs: string[];
  /** The runtime's JSON log file. */
  logFile: string;
  env: NodeJS.ProcessEnv;
}

/** The container's output, when the runtime got pipes: the container inherited their write ends. */
export interface ContainerOutput {
  stdout: Readable | null;
  stderr: Readable | null;
  /** What the runtime itself wrote to the stderr pipe during create (warnings). */
  runtimeStderr: string;
}

export interface ExecResult {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
}

export class OciRuntime {
  constructor(
    readonly runtime: ResolvedRuntime,
    private readonly options: RuntimeOptions,
  ) {}

  get name(): string {
    return this.runtime.name;
  }

  /**
   * `create`: the container exists, its process waits for `start`. preserveFds (3, 4, ... in order)
   * are passed to the runtime as its own fds 3... and kept open for the container (--preserve-fds).
   */
  async create(
    id: string,
    bundle: string,
    pidFile: string,
    stdio: StdioOptions,
    preserveFds: readonly number[] = [],
  ): Promise<ContainerOutput> {
    const logOffset = this.logSize();
    const preserve = preserveFds.length > 0 ? ['--preserve-fds', String(preserveFds.length)] : [];
    const standard = typeof stdio === 'string' ? [stdio, stdio, stdio] : stdio;
    const child = spawnTracked(this.runtime.path, this.args('create', ['--bundle', bundle, '--pid-file', pidFile, ...preserve, id]), {
      env: this.options.env,
      stdio: preserveFds.length > 0 ? [...standard, ...preserveFds] : stdio,
    });
    const earlyStderr: Buffer[] = [];
    const collect = (d: Buffer) => earlyStderr.push(d);
    child.stderr?.on('data', collect);
    const { code, signal } = await this.exitOf(child);
    if (code !== 0) {
      if (child.stderr) await ended(child.stderr, 2000);
      throw this.failure('create', { code, signal, stderr: Buffer.concat(earlyStderr).toString() }, logOffset);
    }
    child.stderr?.off('data', collect);
    return { stdout: child.stdout, stderr: child.stderr, runtimeStderr: Buffer.concat(earlyStderr).toString() };
  }

  /** `state`: the runtime's record of a container (its bundle directory, pid and status). */
  async state(id: string): Promise<{ bundle: string; pid: number; status: string }> {
    const result = await this.check('state', [id]);
    try {
      return JSON.parse(result.stdout) as { bundle: string; pid: number; status: string };
    } catch (err) {
      throw new CtrmonError('ERR_RUNTIME_FAILED', `${this.name} state ${id}: not JSON: ${errorMessage(err)}`, {
        runtime: this.runtime.path,
      });
    }
  }

  async start(id: string): Promise<void> {
    await this.check('start', [id]);
  }

  async delete(id: string, force: boolean): Promise<void> {
    await this.check('delete', force ? ['--force', id] : [id]);
  }

  /**
   * Runs a command inside the container and waits for it. On timeout the exec'd process itself is
   * SIGKILLed (its pid comes from --pid-file), not only the runtime's client.
   */
  async exec(id: string, argv: string[], pidFile: string, timeoutMs: number): Promise<ExecResult> {
    let timedOut = false;
    const child = spawnTracked(this.runtime.path, this.args('exec', ['--pid-file', pidFile, id, ...argv]), {
      env: this.options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (d: Buffer) => {
      if (output.length < 4096) output += d.toString();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // no pid yet: the runtime itself hangs
      }
    }, timeoutMs);
    try {
      const { code } = await this.exitOf(child);
      return { exitCode: code, timedOut, output };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a command inside the container with this process's stdin, stdout and stderr; resolves with its exit code (128+N for signal N). */
  async execAttached(id: string, argv: string[]): Promise<number> {
    const child = spawnTracked(this.runtime.path, this.args('exec', [id, ...argv]), { env: this.options.env, stdio: 'inherit' });
    const { code, signal } = await this.exitOf(child);
    return code ?? signalExitCode(signal!);
  }

  private args(verb: string, rest: string[]): string[] {
    return [...this.options.globalArgs, '--log', this.options.logFile, '--log-format', 'json', verb, ...rest];
  }

  private async check(verb: string, rest: string[]): Promise<RunResult> {
    const logOffset = this.logSize();
    let result: RunResult;
    try {
      result = await run(this.runtime.path, this.args(verb, rest), { env: this.options.env });
    } catch (err) {
      throw this.spawnFailure(err as NodeJS.ErrnoException);
    }
    if (result.code !== 0) throw this.failure(verb, result, logOffset);
    return result;
  }

  private exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return new Promise((resolve, reject) => {
      child.once('error', (err) => reject(this.spawnFailure(err as NodeJS.ErrnoException)));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  private spawnFailure(err: NodeJS.ErrnoException): CtrmonError {
    const subject = { runtime: this.runtime.path };
    if (err.code === 'ENOENT') {
      return new CtrmonError('ERR_RUNTIME_NOT_FOUND', `OCI runtime ${this.runtime.path} not found`, subject, { exitCode: EXIT_NOT_FOUND });
    }
    if (err.code === 'EACCES') {
      return new CtrmonError('ERR_RUNTIME_NOT_EXECUTABLE', `OCI runtime ${this.runtime.path} is not executable`, subject, {
        exitCode: EXIT_NOT_EXECUTABLE,
      });
    }
    return new CtrmonError('ERR_RUNTIME_FAILED', `cannot run OCI runtime ${this.runtime.path}: ${err.message}`, subject);
  }

  /**
   * Names the failed verb and quotes the runtime's own error message. The container's command
   * missing or not executable exits 127 or 126, as podman documents (scripts and
   * SuccessExitStatus= rely on it).
   */
  private failure(verb: string, result: Pick<RunResult, 'code' | 'signal' | 'stderr'>, logOffset: number): CtrmonError {
    const status = result.code !== null ? `exit status ${result.code}` : `killed by ${result.signal}`;
    const detail = this.lastLoggedError(logOffset) ?? lastLine(result.stderr) ?? '';
    const message = `${this.name} ${verb} failed (${status})${detail ? `: ${detail}` : ''}`;
    const subject = { runtime: this.runtime.path };
    if (verb === 'create' || verb === 'start') {
      if (COMMAND_NOT_FOUND.some((re) => re.test(detail)))
        return new CtrmonError('ERR_COMMAND_NOT_FOUND', message, subject, { exitCode: EXIT_NOT_FOUND });
      if (COMMAND_NOT_EXECUTABLE.some((re) => re.test(detail))) {
        return new CtrmonError('ERR_COMMAND_NOT_EXECUTABLE', message, subject, { exitCode: EXIT_NOT_EXECUTABLE });
      }
    }
    // runc: "container with given ID already exists"; crun: "container `x` already exists"
    const code = verb === 'create' && /already exists/.test(detail) ? 'ERR_CONTAINER_EXISTS' : 'ERR_RUNTIME_FAILED';
    return new CtrmonError(code, message, subject);
  }

  private logSize(): number {
    try {
      return statSync(this.options.logFile).size;
    } catch {
      return 0;
    }
  }

  /** The last error the runtime wrote to its JSON log since offset. */
  private lastLoggedError(offset: number): string | undefined {
    let text: string;
    try {
      const fd = openSync(this.options.logFile, 'r');
      try {
        const size = statSync(this.options.logFile).size - offset;
        const buf = Buffer.alloc(Math.max(0, Math.min(size, 256 * 1024)));
        readSync(fd, buf, 0, buf.length, offset);
        text = buf.toString();
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    }
    let found: string | undefined;
    for (const line of text.split('\n')) {
      try {
        const entry = JSON.parse(line) as { level?: string; msg?: string };
        if ((entry.level === 'error' || entry.level === 'fatal') && entry.msg) found = entry.msg;
      } catch {
        // not a JSON line
      }
    }
    return found;
  }
}

// How runc and crun say that the container's command is missing or cannot be executed.
const COMMAND_NOT_FOUND = [/executable file (\S+ )?not found in \$PATH/, /exec: "[^"]*": stat [^:]*: no such file or directory/];
const COMMAND_NOT_EXECUTABLE = [/exec: "[^"]*": permission denied/, /open executable: Permission denied/, /exec: "[^"]*": is a directory/];

function lastLine(text: string): string | undefined {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] || undefined;
}

function ended(stream: Readable, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (stream.readableEnded || stream.destroyed) return resolve();
    const timer = setTimeout(resolve, timeoutMs);
    stream.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.resume();
  });
}
