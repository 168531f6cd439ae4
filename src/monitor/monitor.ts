// The monitor: one container's lifecycle, run as a systemd service's main PID.
//
//   resolve runtime, check bundle -> notify sockets, logs, cgroup, derived bundle
//   -> runtime delete --force (a leftover of a crash) -> create -> pidfd watch -> start
//   -> READY (from the app, from ctrmon, or after the first passing health check)
//   -> the container exits -> runtime delete -> exit with its code (128+N for signal N)
//
// Nothing on the notify path waits on the runtime: the relay runs on the event loop while every
// runtime command runs as a child process. The state file records each transition.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { QueuedDatagramSender } from '../dgram/queued-sender';
import { CtrmonError, EXIT_CTRMON_ERROR, errorMessage } from '../errors';
import { HealthChecker } from '../health/health-check';
import type { Logger } from '../log';
import { LogDriver, createLogDriver } from '../logs/driver';
import { ExitStatus, ProcessHandle, SystemError, setChildSubreaper } from '../native';
import { parseNotifySocket } from '../notify/address';
import { NotifyRelay, isStateChange } from '../notify/relay';
import { OrphanReaper } from '../process/orphan-reaper';
import { loadBundle, deriveConfig, writeBundle } from '../runtime/bundle';
import { ContainerOutput, OciRuntime } from '../runtime/oci-runtime';
import { resolveRuntime } from '../runtime/resolve';
import { ownCgroup, splitUnitCgroup } from './cgroup';
import type { MonitorOptions } from './options';
import { handleSignals, signalExitCode } from './signals';
import { ContainerState, Phase, STATE_VERSION, containerDir, monitorAlive, readState, stateFile, writeState } from './state-file';

/** Variables that describe ctrmon's own place under systemd and must not reach the runtime. */
const HOST_ONLY_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'];
/** Messages kept for systemd while its socket is missing or full. */
const NOTIFY_QUEUE_LIMIT = 128;
/** How long the container's output may take to end after it exited. */
const LOG_DRAIN_MS = 2000;

type ExitResult = { err: SystemError | null; status: ExitStatus };

export class Monitor {
  private state!: ContainerState;
  private file!: string;
  private dir!: string;
  private runtime?: OciRuntime;
  private sender?: QueuedDatagramSender;
  private relay?: NotifyRelay;
  private logs?: LogDriver;
  private health?: HealthChecker;
  private container?: ProcessHandle;
  private started = false;
  /** The signal that asked ctrmon to stop, once one did. */
  private stopRequest: NodeJS.Signals | null = null;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly reaper: OrphanReaper;
  private resolveExit!: (result: ExitResult) => void;
  private readonly exit = new Promise<ExitResult>((resolve) => (this.resolveExit = resolve));

  constructor(
    private readonly options: MonitorOptions,
    private readonly log: Logger,
  ) {
    this.reaper = new OrphanReaper(log);
  }

  /** Runs the container to its end; returns the exit code. Throws CtrmonError for ctrmon's own failures. */
  async run(): Promise<number> {
    const o = this.options;
    this.dir = containerDir(o.stateDir, o.name);
    this.file = stateFile(o.stateDir, o.name);
    this.claimName();
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    const own = ownCgroup();
    this.state = {
      version: STATE_VERSION,
      name: o.name,
      monitorPid: process.pid,
      containerPid: null,
      runtime: { name: o.runtime ?? '', path: '', args: o.runtimeArgs },
      bundle: o.bundle,
      sdnotify: o.sdnotify,
      unit: own.unit,
      invocationId: process.env.INVOCATION_ID ?? null,
      labels: o.labels,
      phase: 'creating',
      timestamps: { created: new Date().toISOString(), started: null, ready: null, stopping: null, exited: null },
      exitCode: null,
      exitSignal: null,
      health: null,
      logDriver: o.logDriver,
      logPath: null,
      error: null,
    };
    this.save();
    setChildSubreaper(true);
    this.reaper.start();
    const unhandle = handleSignals({ stop: (s) => this.requestStop(s), forward: (s) => this.forward(s) });
    try {
      return await this.lifecycle(own);
    } catch (err) {
      const error = err instanceof CtrmonError ? err : new CtrmonError('ERR_RUNTIME_FAILED', errorMessage(err), { name: o.name });
      await this.abort(error);
      throw error;
    } finally {
      unhandle();
      this.reaper.stop();
      this.relay?.close();
      this.sender?.close();
    }
  }

  private async lifecycle(own: ReturnType<typeof ownCgroup>): Promise<number> {
    const o = this.options;
    const resolved = resolveRuntime(o.runtime);
    this.state.runtime = { name: resolved.name, path: resolved.path, args: o.runtimeArgs };
    const bundle = loadBundle(o.bundle);
    this.runtime = new OciRuntime(resolved, { globalArgs: o.runtimeArgs, logFile: path.join(this.dir, 'runtime.log'), env: runtimeEnv(process.env) });

    const hostSocket = o.sdnotify !== 'ignore' && process.env.NOTIFY_SOCKET ? parseNotifySocket(process.env.NOTIFY_SOCKET) : undefined;
    if (hostSocket) {
      this.sender = new QueuedDatagramSender(hostSocket, { limit: NOTIFY_QUEUE_LIMIT, isPreferred: isStateChange, log: this.log, peer: 'systemd notify socket' });
    }
    const env = [...o.env];
    let notifyDir: string | undefined;
    if (o.sdnotify === 'container') {
      notifyDir = path.join(this.dir, 'notify');
      mkdirSync(notifyDir, { recursive: true, mode: 0o755 });
      this.relay = new NotifyRelay({
        socketPath: path.join(notifyDir, 'notify.sock'),
        sender: this.sender,
        filter: { extendTimeoutMaxUsec: o.extendTimeoutMaxUsec },
        log: this.log,
        onStateChange: (lines) => {
          if (lines.includes('READY=1')) this.recordReady();
        },
      });
      this.relay.start();
      // The unit's watchdog interval, so that the application knows to ping (WATCHDOG_PID would be wrong inside).
      const watchdog = process.env.WATCHDOG_USEC;
      if (watchdog && (!process.env.WATCHDOG_PID || process.env.WATCHDOG_PID === String(process.pid))) env.unshift(`WATCHDOG_USEC=${watchdog}`);
    }

    this.logs = createLogDriver({
      driver: o.logDriver,
      path: o.logPath,
      defaultFilePath: path.join(this.dir, 'ctr.log'),
      sizeMax: o.logSizeMax,
      container: { name: o.name, id: o.name },
      log: this.log,
    });
    this.state.logPath = this.logs.path;

    let cgroupsPath: string | undefined;
    if (o.cgroups === 'split') {
      try {
        const plan = splitUnitCgroup(own);
        cgroupsPath = plan.containerPath;
        if (plan.supervisorPath) this.log.debug({ supervisor: plan.supervisorPath, container: plan.containerPath }, 'split the unit cgroup');
      } catch (err) {
        this.log.warn({ err: errorMessage(err), cgroup: own.path }, 'could not move into a supervisor cgroup; the runtime places the container (does the unit have Delegate=yes?)');
      }
    }
    const runtimeBundle = writeBundle(path.join(this.dir, 'bundle'), deriveConfig(bundle, { command: o.command, env, notifyDir, cgroupsPath }));
    const pidFile = o.pidFile ?? path.join(this.dir, 'container.pid');
    rmSync(pidFile, { force: true });

    if (this.stopRequest) return this.endBeforeStart();
    this.reaper.pause(); // the container init may die at once: its status belongs to the pidfd
    let output;
    try {
      output = await this.createReplacing(runtimeBundle, pidFile);
      const pid = readPid(pidFile);
      this.container = new ProcessHandle(pid);
      this.container.watchExit((err, status) => this.resolveExit({ err, status }));
      this.state.containerPid = pid;
    } finally {
      this.reaper.resume();
    }
    if (output.runtimeStderr.trim()) this.log.warn({ runtime: resolved.name, stderr: output.runtimeStderr.trim() }, 'runtime output during create');
    this.logs.attach(output.stdout, output.stderr);
    this.log.info({ containerPid: this.state.containerPid, runtime: resolved.name }, 'container created');
    this.save();
    if (this.stopRequest) return this.endBeforeStart();

    this.started = true;
    await this.runtime.start(o.name);
    this.state.timestamps.started = new Date().toISOString();
    this.setPhase('running');
    this.log.info('container started');
    if (o.sdnotify === 'conmon') this.recordReady();
    if (o.health) this.startHealthChecks(o.health);
    return this.finish(await this.exit);
  }

  /**
   * `create`; a container of this name left by a crashed monitor is removed and the create
   * retried (podman --replace). Asking first would cost a runtime run on every start.
   */
  private async createReplacing(bundle: string, pidFile: string): Promise<ContainerOutput> {
    const runtime = this.runtime!;
    try {
      return await runtime.create(this.options.name, bundle, pidFile, this.logs!.stdio);
    } catch (err) {
      if ((err as CtrmonError).code !== 'ERR_CONTAINER_EXISTS') throw err;
      this.log.info({ runtime: runtime.name }, 'removing a leftover container of this name');
      await runtime.delete(this.options.name, true);
      return runtime.create(this.options.name, bundle, pidFile, this.logs!.stdio);
    }
  }

  /** Another live monitor of this name must not be disturbed. */
  private claimName(): void {
    let previous: ContainerState;
    try {
      previous = readState(this.file);
    } catch {
      return; // none, or unreadable: this run rewrites it
    }
    if (previous.phase !== 'exited' && previous.monitorPid !== process.pid && monitorAlive(previous)) {
      throw new CtrmonError('ERR_NAME_IN_USE', `container name "${this.options.name}" is in use by ctrmon pid ${previous.monitorPid} (${this.file})`, { name: this.options.name, path: this.file });
    }
  }

  private startHealthChecks(options: NonNullable<MonitorOptions['health']>): void {
    const runtime = this.runtime!;
    const execPidFile = path.join(this.dir, 'exec.pid');
    this.health = new HealthChecker(
      options,
      (command, timeoutMs) => runtime.exec(this.options.name, command, execPidFile, timeoutMs),
      (health) => {
        this.state.health = { ...health };
        this.save();
        if (health.status === 'healthy' && this.options.sdnotify === 'healthy') this.recordReady();
      },
      this.log,
    );
    this.state.health = { ...this.health.state };
    this.save();
    this.health.start();
  }

  /** READY: sent to systemd by ctrmon itself (conmon, healthy), or relayed already (container). */
  private recordReady(): void {
    if (this.state.timestamps.ready) return;
    if (this.options.sdnotify !== 'container') this.sender?.send(Buffer.from('READY=1'));
    this.state.timestamps.ready = new Date().toISOString();
    if (this.state.phase === 'running') this.setPhase('ready');
    else this.save();
    this.log.info({ afterMs: Date.now() - Date.parse(this.state.timestamps.created) }, 'container ready');
  }

  private requestStop(signal: NodeJS.Signals): void {
    if (this.stopRequest) {
      this.log.info({ signal }, 'already stopping');
      return;
    }
    this.stopRequest = signal;
    this.log.info({ signal, stopSignal: this.options.stopSignal, timeoutMs: this.options.stopTimeoutMs }, 'stopping the container');
    this.state.timestamps.stopping = new Date().toISOString();
    if (this.state.phase !== 'exited') this.setPhase('stopping');
    if (this.options.sdnotify !== 'ignore') this.sender?.send(Buffer.from('STOPPING=1'));
    // Before start the container runs nothing of its own: lifecycle() removes it after create.
    if (!this.started) return;
    this.signalContainer(this.options.stopSignal);
    this.killTimer = setTimeout(() => {
      this.log.warn({ timeoutMs: this.options.stopTimeoutMs }, 'the container did not stop in time; sending SIGKILL');
      this.signalContainer('SIGKILL');
    }, this.options.stopTimeoutMs);
  }

  private forward(signal: NodeJS.Signals): void {
    if (!this.started) {
      this.log.warn({ signal }, 'signal not forwarded: the container has not started');
      return;
    }
    this.log.info({ signal }, 'forwarding a signal to the container');
    this.signalContainer(signal);
  }

  private signalContainer(signal: NodeJS.Signals): void {
    try {
      this.container?.signal(signal);
    } catch (err) {
      if ((err as SystemError).code !== 'ESRCH') this.log.error({ signal, err: errorMessage(err) }, 'could not signal the container');
    }
  }

  /** Stopped between `delete` and `start`: nothing of the container ran; it is removed unstarted. */
  private async endBeforeStart(): Promise<number> {
    this.signalContainer('SIGKILL');
    const code = signalExitCode(this.stopRequest!);
    if (this.container) await this.exit;
    return this.finish(null, code);
  }

  /** The container is gone: clean up and report. `code` overrides the container's own. */
  private async finish(result: ExitResult | null, code?: number): Promise<number> {
    clearTimeout(this.killTimer);
    this.health?.stop();
    await new Promise((resolve) => setImmediate(resolve)); // datagrams the container sent last
    this.relay?.close();
    if (this.relay || this.sender) this.log.info({ relay: this.relay?.stats, sender: this.sender?.stats }, 'notify statistics');
    let exitCode = code ?? EXIT_CTRMON_ERROR;
    if (result?.err) {
      this.log.error({ err: result.err.message }, 'the container exited but its status could not be collected');
    } else if (result && code === undefined) {
      exitCode = result.status.exitCode ?? signalExitCode(result.status.signal!);
      this.state.exitSignal = result.status.signal;
    }
    this.log.info({ exitCode, signal: this.state.exitSignal }, 'container exited');
    try {
      await this.runtime!.delete(this.options.name, true);
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'runtime delete failed');
    }
    await this.logs?.close(LOG_DRAIN_MS);
    this.state.exitCode = exitCode;
    this.state.timestamps.exited = new Date().toISOString();
    this.setPhase('exited');
    this.sender?.drainNow();
    return exitCode;
  }

  /** ctrmon failed: take the container down, if any, and record why. */
  private async abort(error: CtrmonError): Promise<void> {
    clearTimeout(this.killTimer);
    this.health?.stop();
    if (this.container) {
      this.signalContainer('SIGKILL');
      await Promise.race([this.exit, new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
    if (this.runtime && this.state.containerPid !== null) {
      await this.runtime.delete(this.options.name, true).catch((err) => this.log.error({ err: errorMessage(err) }, 'runtime delete failed'));
    }
    await this.logs?.close(500);
    this.state.error = { code: error.code, message: error.message };
    this.state.exitCode = error.exitCode;
    this.state.timestamps.exited = new Date().toISOString();
    this.setPhase('exited');
  }

  private setPhase(phase: Phase): void {
    this.state.phase = phase;
    this.save();
  }

  private save(): void {
    writeState(this.file, this.state);
  }
}

function runtimeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const key of HOST_ONLY_ENV) delete out[key];
  return out;
}

function readPid(file: string): number {
  let text = '';
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    // reported below
  }
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new CtrmonError('ERR_RUNTIME_FAILED', `the runtime wrote no container pid to ${file}`, { path: file });
  }
  return pid;
}
