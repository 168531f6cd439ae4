// Stand-ins for what the monitor takes from outside (src/monitor/dependencies.ts), so that the real
// Monitor runs its whole lifecycle without root or runc.
//
// FakeRuntime runs the bundle's process.args as a host process, created the way runc creates a
// container: a launcher (a short-lived child) starts it and exits, so it is reparented to the
// monitor (a child subreaper), whose pidfd watch reaps it; until `start` it waits (stopped by
// SIGSTOP, as runc's init waits on its exec fifo). Its exit status, signals and output are real.
// FakeRelay stands in for the native relay: the test says what the container sent. MemoryLogDriver
// keeps the container's output in memory.
import type { StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

import { CtrmonError } from '../../src/errors';
import type { LogDriver, LogDriverOptions } from '../../src/logs/driver';
import type { ContainerNotifyRelay, ContainerRuntime, MonitorDependencies } from '../../src/monitor/dependencies';
import type { RelayOptions } from '../../src/notify/relay';
import { run, spawnTracked } from '../../src/process/spawn';
import type { ContainerOutput, ExecResult, RuntimeOptions } from '../../src/runtime/oci-runtime';
import { waitFor } from './wait';

/**
 * Starts the container process, writes its pid and exits. node:child_process restores default
 * signal dispositions in its children (a shell's `cmd &` would have the container ignore SIGINT).
 */
const LAUNCHER = `
const [pidFile, ...argv] = process.argv.slice(1);
const child = require('node:child_process').spawn('/bin/sh', ['-c', 'kill -STOP $$; exec "$@"', 'container', ...argv], { stdio: 'inherit' });
require('node:fs').writeFileSync(pidFile, String(child.pid));
process.exit(0);
`;

/** The process state letter in /proc/<pid>/stat (T: stopped, Z: a zombie), or 'gone'. */
export function processState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
  } catch {
    return 'gone';
  }
}

const isLive = (pid: number) => !['Z', 'gone'].includes(processState(pid));

type Verb = 'create' | 'state' | 'start' | 'delete' | 'exec';

interface FakeContainer {
  bundle: string;
  /** null for a leftover that a test put there (no process). */
  pid: number | null;
}

export class FakeRuntime implements ContainerRuntime {
  readonly runtime = { name: 'fake', path: '/fake/runtime' };
  /** Every call, in order: the verb, and `delete` with whether the container's process still ran. */
  readonly calls: string[] = [];
  readonly containers = new Map<string, FakeContainer>();
  /** Runs as the verb is called, before it does anything: a test stops the monitor here, or throws. */
  readonly during: Partial<Record<Verb, () => Promise<void> | void>> = {};
  /** What the monitor gave createRuntime. */
  spec?: string;
  options?: RuntimeOptions;

  get name(): string {
    return this.runtime.name;
  }

  async create(id: string, bundle: string, pidFile: string, stdio: StdioOptions): Promise<ContainerOutput> {
    await this.call('create');
    if (this.containers.has(id)) throw this.failure('create', 'container with given ID already exists', 'ERR_CONTAINER_EXISTS');
    const config = JSON.parse(readFileSync(`${bundle}/config.json`, 'utf8')) as { process: { args: string[]; env?: string[] } };
    const env = Object.fromEntries((config.process.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    const launcher = spawnTracked(process.execPath, ['-e', LAUNCHER, pidFile, ...config.process.args], { stdio, env });
    const code = await new Promise<number | null>((resolve) => launcher.once('exit', resolve));
    if (code !== 0) throw this.failure('create', `the launcher exited with ${code}`);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => processState(pid) === 'T', 5000, 'the container to wait for start');
    this.containers.set(id, { bundle, pid });
    return { stdout: launcher.stdout, stderr: launcher.stderr, runtimeStderr: '' };
  }

  async state(id: string): Promise<{ bundle: string; pid: number; status: string }> {
    await this.call('state');
    const container = this.known(id, 'state');
    return { bundle: container.bundle, pid: container.pid ?? 0, status: 'created' };
  }

  async start(id: string): Promise<void> {
    await this.call('start');
    const pid = this.known(id, 'start').pid;
    if (pid === null || processState(pid) !== 'T') throw this.failure('start', 'cannot start a container that has stopped');
    process.kill(pid, 'SIGCONT');
  }

  async delete(id: string, force: boolean): Promise<void> {
    const pid = this.containers.get(id)?.pid ?? null;
    await this.call(`delete${force ? ' --force' : ''}${pid !== null && isLive(pid) ? ' (still running)' : ''}`);
    this.known(id, 'delete');
    this.containers.delete(id);
  }

  /** The command runs on the host, as the container's own would. */
  async exec(_id: string, argv: string[], _pidFile: string, timeoutMs: number): Promise<ExecResult> {
    await this.call('exec');
    const r = await run(argv[0], argv.slice(1), { timeoutMs });
    return { exitCode: r.code, timedOut: r.signal === 'SIGKILL', output: r.stdout + r.stderr };
  }

  /** Kills what a failed test left running. */
  killAll(): void {
    for (const { pid } of this.containers.values()) if (pid !== null && isLive(pid)) process.kill(pid, 'SIGKILL');
  }

  private async call(what: string): Promise<void> {
    this.calls.push(what);
    await this.during[what.split(' ')[0] as Verb]?.();
  }

  private known(id: string, verb: Verb): FakeContainer {
    const container = this.containers.get(id);
    if (!container) throw this.failure(verb, `container "${id}" does not exist`);
    return container;
  }

  private failure(verb: Verb, detail: string, code: 'ERR_RUNTIME_FAILED' | 'ERR_CONTAINER_EXISTS' = 'ERR_RUNTIME_FAILED'): CtrmonError {
    return new CtrmonError(code, `fake ${verb} failed (exit status 1): ${detail}`, { runtime: this.runtime.path });
  }
}

export class FakeRelay implements ContainerNotifyRelay {
  readonly stats = undefined;
  started = false;
  closed = false;

  constructor(readonly options: RelayOptions) {}

  start(): void {
    this.started = true;
  }

  close(): void {
    this.closed = true;
  }

  /** A state change the container sent, as the native relay reports it. */
  stateChange(...lines: string[]): void {
    this.options.onStateChange?.(lines);
  }
}

export class MemoryLogDriver implements LogDriver {
  readonly stdio: StdioOptions = ['ignore', 'pipe', 'pipe'];
  readonly path = null;
  output = '';
  /** The drain timeout close() was given, once it was called. */
  closedWithin: number | null = null;
  private readonly streams: Readable[] = [];

  constructor(readonly options: LogDriverOptions) {}

  attach(stdout: Readable | null, stderr: Readable | null): void {
    for (const stream of [stdout, stderr]) {
      if (!stream) continue;
      this.streams.push(stream);
      stream.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    }
  }

  async close(timeoutMs: number): Promise<void> {
    this.closedWithin = timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const ended = this.streams.map((s) => new Promise((resolve) => (s.destroyed ? resolve(null) : s.once('close', resolve))));
    await Promise.race([Promise.all(ended), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    for (const s of this.streams) s.destroy();
  }
}

/** One monitor's stand-ins, and the dependencies that hand them to it. */
export interface StandIns {
  runtime: FakeRuntime;
  /** The relay, once the monitor made one (container mode). */
  relay?: FakeRelay;
  logs?: MemoryLogDriver;
  dependencies: MonitorDependencies;
}

export function standIns(): StandIns {
  const s: StandIns = {
    runtime: new FakeRuntime(),
    dependencies: {
      createRuntime: (spec, options) => {
        s.runtime.spec = spec;
        s.runtime.options = options;
        return s.runtime;
      },
      createNotifyRelay: (options) => (s.relay = new FakeRelay(options)),
      createLogDriver: (options) => (s.logs = new MemoryLogDriver(options)),
    },
  };
  return s;
}
