// The monitor: one container's lifecycle, run as a systemd service's main PID.
//
//   prepare the source (a checked bundle; meanwhile the network namespace) -> notify relay, logs,
//   cgroup, derived bundle -> create (a leftover container of this name is deleted and the create
//   retried) while netavark sets the network up -> pidfd -> start -> READY (from the app, from ctrmon, or after the first passing health check)
//   -> the container exits -> release everything taken, in reverse -> exit with its code
//
// Nothing on the notify path waits on the runtime: the relay runs on a native thread while every
// runtime command runs as a child process. The state file records each transition. Whatever ends
// the run (the container's exit, a stop, a failure of ctrmon's own), one release stack tears down.
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { DEFAULT_STOP_SIGNAL, type MonitorOptions, pullRetryArgs } from '../config/monitor-options';
import { parseSignal } from '../config/parse';
import { QueuedDatagramSender } from '../dgram/queued-sender';
import { CtrmonError, EXIT_CTRMON_ERROR, asCtrmonError, errorMessage } from '../errors';
import { MonitorEvents, subjectOf } from '../events/emitter';
import { HealthChecker } from '../health/health-check';
import type { Logger } from '../log';
import { ThrottledWarnings } from '../log-throttle';
import type { LogDriver } from '../logs/driver';
import { logTag } from '../logs/journald';
import { type ExitStatus, ProcessHandle, type SystemError, setChildSubreaper } from '../native';
import { parseNotifySocket } from '../notify/address';
import { READINESS } from '../notify/readiness';
import { isStateChange } from '../notify/relay';
import { processStartTime } from '../process/identity';
import { OrphanReaper } from '../process/orphan-reaper';
import { run } from '../process/spawn';
import { PACKAGE_MANIFEST, packagePath } from '../package-root';
import { signalExitCode } from '../signal-numbers';
import { writeBundle } from '../spec/bundle';
import type { ContainerOutput } from '../runtime/oci-runtime';
import type { RuntimeSpec } from '../spec/oci';
import { readEnvFiles } from '../spec/env-file';
import { buildSpec } from '../spec/pipeline';
import { readSeccompProfile } from '../spec/seccomp-profile';
import { checkOwner, claimName } from '../state/claim';
import { ensureDirectory, stateError } from '../state/directory';
import { containerDir, imagePinFile, stateFile } from '../state/paths';
import { phaseOf } from '../state/phase';
import { type ContainerState, STATE_VERSION } from '../state/types';
import { writeState } from '../state/writer';
import type { AccountOptions } from './accounts';
import { BundleSource } from './bundle-source';
import type { ImageSource } from './image-source';
import { type OwnCgroup, missingControllers, ownCgroup, splitUnitCgroup } from '../process/cgroup';
import { type ContainerNetwork, openContainerNetwork } from './container-network';
import { type ContainerRuntime, type MonitorDependencies, PRODUCTION_DEPENDENCIES } from './dependencies';
import { type ListenFds, closeListenFds, listenFds } from './listen-fds';
import { ReleaseStack } from './release-stack';
import { useSecrets, useVolumes } from './mount-sources';
import { handleSignals } from './signals';
import type { ContainerSource, PreparedSource } from './source';

/** Variables that describe ctrmon's own place under systemd and must not reach the runtime. */
const HOST_ONLY_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'];
/** Messages kept for systemd while its socket is missing or full. */
const NOTIFY_QUEUE_LIMIT = 128;
/** How long the container's output may take to end after it exited (after a failure: less). */
const LOG_DRAIN_MS = 2000;
const LOG_DRAIN_AFTER_FAILURE_MS = 500;
/** How long a container killed after a failure of ctrmon's may take to die. */
const KILL_WAIT_MS = 5000;
/** Retries of a state file write that failed. */
const STATE_RETRY_FIRST_MS = 1000;
const STATE_RETRY_MAX_MS = 30_000;
/** A container stopped for --health-on-failure=restart: a failure, so that Restart=on-failure applies. */
const EXIT_UNHEALTHY = 1;

type ExitResult = { err: SystemError | null; status: ExitStatus };

export class Monitor {
  private state!: ContainerState;
  private readonly file: string;
  private readonly dir: string;
  private readonly own: OwnCgroup = ownCgroup();
  private source!: ContainerSource;
  private readonly releases = new ReleaseStack();
  private readonly warnings: ThrottledWarnings;
  private runtime!: ContainerRuntime;
  private sender?: QueuedDatagramSender;
  private events!: MonitorEvents;
  private sockets?: ListenFds;
  /** The container's config and the facts beside it, once built. */
  private spec?: RuntimeSpec;
  private logs!: LogDriver;
  private container?: ProcessHandle;
  private started = false;
  private failed = false;
  /** The signal that asked ctrmon to stop, once one did (for a health action: the stop signal). */
  private stopRequest: NodeJS.Signals | number | null = null;
  /** What --health-on-failure did, once it acted. */
  private healthAction: MonitorOptions['healthOnFailure'] | null = null;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly reaper: OrphanReaper;
  private resolveExit!: (result: ExitResult) => void;
  private readonly exit = new Promise<ExitResult>((resolve) => (this.resolveExit = resolve));
  private rejectFatal!: (err: unknown) => void;
  private readonly fatal = new Promise<never>((_resolve, reject) => (this.rejectFatal = reject));
  /** The state file could not be written: the next transition or a retry writes it. */
  private stateRetry: NodeJS.Timeout | undefined;
  private stateRetryMs = 0;

  constructor(
    private readonly options: MonitorOptions,
    private readonly log: Logger,
    private readonly dependencies: MonitorDependencies = PRODUCTION_DEPENDENCIES,
  ) {
    this.fatal.catch(() => undefined); // observed through guard(); this keeps it from counting as unhandled
    this.reaper = new OrphanReaper(log);
    this.warnings = new ThrottledWarnings(log);
    this.dir = containerDir(options.stateDir, options.name);
    this.file = stateFile(options.stateDir, options.name);
  }

  /** Runs the container to its end; returns the exit code. Throws CtrmonError for ctrmon's own failures. */
  async run(): Promise<number> {
    const account = { user: this.options.user, groupAdd: this.options.groupAdd };
    this.source =
      this.options.image === undefined
        ? new BundleSource(this.options.bundle!, account)
        : await this.imageSource(this.options.image, account);
    // Nothing runs yet: a state directory that cannot be made or written, or a name in use, ends here.
    ensureDirectory(this.dir);
    const claim = claimName(this.options.name, this.dir);
    try {
      this.state = this.initialState();
      writeState(this.file, this.state);
    } catch (err) {
      claim.release();
      throw err;
    }
    this.events = new MonitorEvents({ stateDir: this.options.stateDir, subject: () => subjectOf(this.state), log: this.log });
    setChildSubreaper(true);
    this.reaper.start();
    const unhandle = handleSignals({ stop: (s) => this.requestStop(s), forward: (s) => this.forward(s) });
    // A throw in a callback (a READY that arrives, a health result) must not kill ctrmon and leave
    // the container running outside its unit: it fails the run, which takes the container down.
    const onFatal = (err: unknown) => this.rejectFatal(err);
    process.on('uncaughtException', onFatal);
    process.on('unhandledRejection', onFatal);
    let code: number;
    let error: CtrmonError | null = null;
    try {
      code = await this.lifecycle();
    } catch (err) {
      error = asCtrmonError(err, { name: this.options.name });
      code = error.exitCode;
      this.failed = true;
    }
    try {
      clearTimeout(this.killTimer);
      await this.releases.release(this.log);
      this.recordExit(code, error);
      this.sender?.drainNow();
    } finally {
      process.off('uncaughtException', onFatal);
      process.off('unhandledRejection', onFatal);
      unhandle();
      this.reaper.stop();
      this.sender?.close();
      this.events.close();
      clearTimeout(this.stateRetry);
      claim.release();
    }
    if (error) throw error;
    return code;
  }

  private async lifecycle(): Promise<number> {
    this.takeListenFds();
    this.openRuntime();
    // The network is set up while the source is prepared: neither needs the other.
    const opening = this.openNetwork();
    const prepared = await this.guard(this.prepareSource());
    const notifyDir = this.openNotify();
    this.openLogs();
    const network = await this.guard(opening);
    this.state.network = network.state;
    const runtimeBundle = this.writeRuntimeBundle(prepared, notifyDir, network);
    if (this.stopRequest) return this.endBeforeStart();
    await this.guard(this.create(runtimeBundle));
    // netavark sets the network up while the runtime creates the container; it starts on a set-up one.
    await this.guard(network.ready);
    if (this.stopRequest) return this.endBeforeStart();
    try {
      await this.guard(this.start());
    } catch (err) {
      // A stop that came while `start` ran may have ended the container before its process did.
      if (!this.stopRequest || (err as CtrmonError).code === 'ERR_INTERNAL') throw err;
      this.log.info({ err: errorMessage(err) }, 'the container was stopped while it started');
      return this.endBeforeStart();
    }
    const code = this.exitCodeOf(await this.guard(this.exit));
    if (this.healthAction === 'restart') {
      throw new CtrmonError(
        'ERR_UNHEALTHY',
        `the container was unhealthy and stopped (exit ${code}); ctrmon exits for the unit's Restart= to start it again`,
        { name: this.options.name },
        { exitCode: EXIT_UNHEALTHY },
      );
    }
    return code;
  }

  /** The step, unless a fatal error of ctrmon's own comes first. */
  private guard<T>(step: Promise<T>): Promise<T> {
    return Promise.race([step, this.fatal]);
  }

  private initialState(): ContainerState {
    const o = this.options;
    return {
      version: STATE_VERSION,
      name: o.name,
      monitorPid: process.pid,
      monitorStartTime: processStartTime(process.pid),
      containerPid: null,
      runtime: { name: o.runtime ?? '', path: '', args: o.runtimeArgs },
      bundle: this.source.bundleDir,
      source: this.source.requested,
      sdnotify: o.sdnotify,
      unit: this.own.unit,
      invocationId: process.env.INVOCATION_ID ?? null,
      labels: o.labels,
      phase: 'creating',
      timestamps: { created: new Date().toISOString(), started: null, ready: null, stopping: null, exited: null },
      exitCode: null,
      exitSignal: null,
      health: null,
      logDriver: o.logDriver,
      logPath: null,
      network: null,
      error: null,
    };
  }

  /** Sockets systemd passed for the container (socket activation), if any are ours. */
  private takeListenFds(): void {
    const { sockets, ignored } = listenFds(process.env, process.pid);
    if (ignored) this.log.warn({ reason: ignored }, 'ignoring LISTEN_FDS: the container gets no sockets');
    if (sockets) this.log.info({ fds: sockets.fds.length, names: sockets.names }, 'passing the activated sockets to the container');
    this.sockets = sockets ?? undefined;
  }

  private openRuntime(): void {
    const o = this.options;
    const logFile = path.join(this.dir, 'runtime.log');
    this.runtime = this.dependencies.createRuntime(o.runtime, { globalArgs: o.runtimeArgs, logFile, env: runtimeEnv(process.env) });
    const resolved = this.runtime.runtime;
    this.state.runtime = { name: resolved.name, path: resolved.path, args: o.runtimeArgs };
  }

  /** Starts the network's set-up; its teardown is on the release stack before it is under way. */
  private openNetwork(): Promise<ContainerNetwork> {
    const opening = openContainerNetwork(this.options, this.dir, this.log);
    opening.catch(() => undefined); // awaited by lifecycle(), which reports a failure
    this.releases.push('the network', async () => (await opening.catch(() => null))?.release());
    return opening;
  }

  private async prepareSource(): Promise<PreparedSource> {
    const prepared = await this.source.prepare();
    this.releases.push('the container source', () => this.source.release());
    this.state.source = prepared.record;
    return prepared;
  }

  /** systemd's socket (when there is one) and, in a mode that relays, the container's own; returns its directory. */
  private openNotify(): string | undefined {
    const o = this.options;
    const readiness = READINESS[o.sdnotify];
    const hostSocket = readiness.notifiesSystemd && process.env.NOTIFY_SOCKET ? parseNotifySocket(process.env.NOTIFY_SOCKET) : undefined;
    if (hostSocket) {
      this.sender = new QueuedDatagramSender(hostSocket, {
        limit: NOTIFY_QUEUE_LIMIT,
        isPreferred: isStateChange,
        log: this.log,
        peer: 'systemd notify socket',
      });
    }
    if (!readiness.relay) return undefined;
    const notifyDir = path.join(this.dir, 'notify');
    ensureDirectory(notifyDir);
    const relay = this.dependencies.createNotifyRelay({
      socketPath: path.join(notifyDir, 'notify.sock'),
      sender: this.sender,
      filter: { extendTimeoutMaxUsec: o.extendTimeoutMaxUsec },
      log: this.log,
      onStateChange: (lines) => {
        if (lines.includes('READY=1')) this.recordReady();
      },
    });
    relay.start();
    this.releases.push('the notify relay', async () => {
      await new Promise((resolve) => setImmediate(resolve)); // datagrams the container sent last
      relay.close();
      this.log.info({ relay: relay.stats, sender: this.sender?.stats }, 'notify statistics');
    });
    return notifyDir;
  }

  private openLogs(): void {
    const o = this.options;
    this.logs = this.dependencies.createLogDriver({
      driver: o.logDriver,
      path: o.logPath,
      defaultFilePath: path.join(this.dir, 'ctr.log'),
      sizeMax: o.logSizeMax,
      container: {
        name: o.name,
        id: o.name,
        tag: o.logTag === undefined ? undefined : logTag(o.logTag, { name: o.name, id: o.name, image: o.image ?? '' }),
      },
      log: this.log,
    });
    this.state.logPath = this.logs.path;
    this.releases.push("the container's output", () => this.logs.close(this.failed ? LOG_DRAIN_AFTER_FAILURE_MS : LOG_DRAIN_MS));
  }

  /** The runtime's config.json, built from the source's base and the options, under the state directory. */
  private writeRuntimeBundle(prepared: PreparedSource, notifyDir: string | undefined, network: ContainerNetwork): string {
    const o = this.options;
    // WATCHDOG_PID naming another process: the interval is not ours to pass on.
    const watchdogIsOurs = !process.env.WATCHDOG_PID || process.env.WATCHDOG_PID === String(process.pid);
    const cgroupsPath = this.placeCgroup();
    if (cgroupsPath !== undefined) checkControllers(cgroupsPath, o);
    this.spec = buildSpec(prepared.base, {
      command: o.command,
      env: o.env,
      volumes: useVolumes(o, this.releases),
      tmpfs: o.tmpfs,
      readOnly: o.readOnly,
      readOnlyTmpfs: o.readOnlyTmpfs,
      devices: o.devices,
      mask: o.mask,
      unmask: o.unmask,
      secrets: useSecrets(o, this.dir, this.releases),
      ...network.spec,
      systemd: o.systemd,
      notifyDir,
      watchdogUsec: watchdogIsOurs ? process.env.WATCHDOG_USEC : undefined,
      listenFds: this.sockets && { count: this.sockets.fds.length, names: this.sockets.names },
      cgroupsPath,
      stopSignal: o.stopSignal,
      entrypointOverride: o.entrypoint,
      envHost: o.envHost ? Object.entries(runtimeEnv(process.env)).map(([k, v]) => `${k}=${v}`) : [],
      envFile: readEnvFiles(o.envFiles, process.env),
      hostname: o.hostname,
      workdir: o.workdir,
      annotations: o.annotations,
      ulimits: o.ulimits,
      noNewPrivileges: o.security.noNewPrivileges,
      pidsLimit: o.pidsLimit,
      memory: o.memory,
      shmSize: o.shmSize,
      timezone: o.timezone,
      capAdd: o.capAdd,
      capDrop: o.capDrop,
      seccomp:
        o.security.seccomp === undefined || o.security.seccomp === 'unconfined'
          ? o.security.seccomp
          : readSeccompProfile(o.security.seccomp),
      sysctls: o.sysctls,
    });
    const dir = path.join(this.dir, 'bundle');
    try {
      return writeBundle(dir, this.spec.config);
    } catch (err) {
      throw stateError('write the runtime bundle', dir, err);
    }
  }

  /** --cgroups=split under a cgroup v2 unit: the container's cgroupsPath; otherwise the runtime decides. */
  private placeCgroup(): string | undefined {
    if (this.options.cgroups !== 'split') return undefined;
    try {
      const plan = splitUnitCgroup(this.own);
      if (plan.supervisorPath) this.log.debug({ supervisor: plan.supervisorPath, container: plan.containerPath }, 'split the unit cgroup');
      return plan.containerPath;
    } catch (err) {
      this.log.warn(
        { err: errorMessage(err), cgroup: this.own.path },
        'could not move into a supervisor cgroup; the runtime places the container (does the unit have Delegate=yes?)',
      );
      return undefined;
    }
  }

  private async create(bundleDir: string): Promise<void> {
    const pidFile = this.options.pidFile ?? path.join(this.dir, 'container.pid');
    rmSync(pidFile, { force: true });
    this.reaper.pause(); // the container init may die at once: its status belongs to the pidfd
    let output: ContainerOutput;
    try {
      output = await this.createReplacing(bundleDir, pidFile);
      // The container holds the activated sockets now: ctrmon keeps no copy (it never accepts).
      if (this.sockets) closeListenFds(this.sockets);
      this.releases.push('the runtime container', () => this.removeContainer());
      const pid = readPid(pidFile);
      this.container = new ProcessHandle(pid);
      this.container.watchExit((err, status) => this.resolveExit({ err, status }));
      this.state.containerPid = pid;
    } finally {
      this.reaper.resume();
    }
    const runtimeStderr = output.runtimeStderr.trim();
    if (runtimeStderr) this.log.warn({ runtime: this.runtime.name, stderr: runtimeStderr }, 'runtime output during create');
    this.logs.attach(output.stdout, output.stderr);
    this.log.info({ containerPid: this.state.containerPid, runtime: this.runtime.name }, 'container created');
    this.save();
    this.events.emit('create');
  }

  /**
   * `create`; a container of this name left by a crashed monitor is deleted and the create
   * retried (podman --replace). Asking first would cost a runtime run on every start.
   */
  private async createReplacing(bundle: string, pidFile: string): Promise<ContainerOutput> {
    try {
      return await this.runtime.create(this.options.name, bundle, pidFile, this.logs.stdio, this.sockets?.fds);
    } catch (err) {
      if ((err as CtrmonError).code !== 'ERR_CONTAINER_EXISTS') throw err;
      // Runtime ids are global per runtime root: it may be a live monitor's of another state directory.
      const existing = await this.runtime.state(this.options.name).catch(() => null);
      if (existing?.bundle) checkOwner(this.options.name, existing.bundle, this.dir);
      this.log.info({ runtime: this.runtime.name }, 'removing a leftover container of this name');
      await this.runtime.delete(this.options.name, true);
      return this.runtime.create(this.options.name, bundle, pidFile, this.logs.stdio, this.sockets?.fds);
    }
  }

  private async start(): Promise<void> {
    // A stop that comes meanwhile waits for it: signalling the init now would kill it unstarted.
    await this.runtime.start(this.options.name);
    this.started = true;
    this.state.timestamps.started ??= new Date().toISOString();
    this.update();
    this.events.emit('start'); // unless a READY that came first said it
    this.log.info('container started');
    if (this.stopRequest) {
      this.signalContainer(this.stopSignal()); // the stop that came while it started
      return;
    }
    if (READINESS[this.options.sdnotify].readyBy === 'start') this.recordReady();
    if (this.options.health) this.startHealthChecks(this.options.health);
  }

  /** The container is killed if it still runs (after a failure), waited for, and deleted from the runtime. */
  private async removeContainer(): Promise<void> {
    if (this.container && this.failed) {
      this.signalContainer('SIGKILL');
      await Promise.race([this.exit, new Promise((resolve) => setTimeout(resolve, KILL_WAIT_MS))]);
    }
    await this.runtime.delete(this.options.name, true);
  }

  private startHealthChecks(options: NonNullable<MonitorOptions['health']>): void {
    const runtime = this.runtime;
    const execPidFile = path.join(this.dir, 'exec.pid');
    const startup = this.options.healthStartup;
    const health = new HealthChecker(
      options,
      (command, timeoutMs) => runtime.exec(this.options.name, command, execPidFile, timeoutMs),
      (state) => {
        this.state.health = { ...state };
        this.save();
        this.events.emit('health_status', { healthStatus: state.status });
        if (state.status === 'healthy' && READINESS[this.options.sdnotify].readyBy === 'health') this.recordReady();
        if (state.status === 'unhealthy') this.onUnhealthy(this.options.healthOnFailure, 'the container is unhealthy');
      },
      this.log,
      startup && { options: startup, onFailed: () => this.onUnhealthy('restart', 'the startup health check failed') },
    );
    this.releases.push('health checks', () => health.stop());
    this.state.health = { ...health.state };
    this.save();
    health.start(READINESS[this.options.sdnotify].readyBy === 'health');
  }

  /**
   * --health-on-failure: kill ends the container at once; stop is a graceful stop, as systemctl
   * stop would do it; restart stops it the same way without telling systemd, and the monitor then
   * exits non-zero (ERR_UNHEALTHY) for the unit's Restart= to start a new one.
   */
  private onUnhealthy(action: MonitorOptions['healthOnFailure'], why: string): void {
    if (action === 'none' || this.stopRequest || this.healthAction) return;
    this.healthAction = action;
    this.log.warn({ action }, `${why}: health-on-failure=${action}`);
    if (action === 'kill') this.signalContainer('SIGKILL');
    else this.requestStop(this.stopSignal(), action === 'stop');
  }

  /** READY: sent to systemd by ctrmon itself, unless the application said it (relayed already). */
  private recordReady(): void {
    if (this.state.timestamps.ready) return;
    if (READINESS[this.options.sdnotify].readyBy !== 'application') this.sender?.send(Buffer.from('READY=1'));
    const now = new Date().toISOString();
    this.state.timestamps.ready = now;
    // READY before `runtime start` returned: the application runs, so it has started.
    this.state.timestamps.started ??= now;
    this.update();
    this.events.emit('start');
    this.events.emit('ready');
    this.log.info({ afterMs: Date.now() - Date.parse(this.state.timestamps.created) }, 'container ready');
  }

  /** signal: what asked for the stop; tellSystemd: STOPPING=1, unless the unit is to be restarted (a STOPPING unit is not). */
  private requestStop(signal: NodeJS.Signals | number, tellSystemd = true): void {
    if (this.stopRequest) {
      this.log.info({ signal }, 'already stopping');
      return;
    }
    this.stopRequest = signal;
    this.log.info({ signal, stopSignal: this.stopSignal(), timeoutMs: this.options.stopTimeoutMs }, 'stopping the container');
    this.state.timestamps.stopping = new Date().toISOString();
    this.update();
    this.events.emit('stop');
    if (tellSystemd) this.sender?.send(Buffer.from('STOPPING=1')); // there is a sender only in a mode that notifies systemd
    // Before start the container runs nothing of its own: lifecycle() removes it after create, or
    // signals it once a `start` in progress has returned.
    if (this.started) this.signalContainer(this.stopSignal());
    this.killTimer = setTimeout(() => {
      this.log.warn({ timeoutMs: this.options.stopTimeoutMs }, 'the container did not stop in time; sending SIGKILL');
      this.signalContainer('SIGKILL');
    }, this.options.stopTimeoutMs);
  }

  /** What the spec asks for (spec/steps/stop-signal.ts; before it is built, --stop-signal); otherwise SIGTERM. */
  private stopSignal(): NodeJS.Signals | number {
    const asked = this.spec?.stopSignal ?? this.options.stopSignal;
    if (asked === undefined) return DEFAULT_STOP_SIGNAL;
    return typeof asked === 'number' ? asked : parseSignal('StopSignal', asked);
  }

  /**
   * An image source, loaded only when asked for: a monitor of a bundle never loads the image code
   * (esbuild keeps a dynamically imported module's initialisation lazy), which keeps it smaller.
   */
  private async imageSource(reference: string, account: AccountOptions): Promise<ImageSource> {
    const o = this.options;
    const storeRoot = o.storeRoot!; // an image always has its store (config/monitor-options.ts)
    const { ImageSource } = await import('./image-source');
    return new ImageSource({
      reference,
      storeRoot,
      pull: o.pull,
      name: o.name,
      containerDir: this.dir,
      account,
      log: this.log,
      pinnedDigest: readPin(imagePinFile(o.stateDir, o.name)),
      // A pull runs as `ctrmon pull`, in a child, so the monitor never loads the registry client.
      pullImage: async (ref) => {
        const retry = o.pullRetry ? pullRetryArgs(o.pullRetry) : [];
        const args = [
          ...PACKAGE_MANIFEST.ctrmon.nodeFlags,
          packagePath('bin', 'ctrmon.js'),
          'pull',
          '--root',
          storeRoot,
          '--quiet',
          ...retry,
          ref,
        ];
        const r = await run(process.execPath, args, { env: runtimeEnv(process.env) });
        if (r.code !== 0) {
          const why = r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`;
          throw new CtrmonError('ERR_REGISTRY', `pulling ${ref} failed: ${why.replace(/^ctrmon: /, '')}`, { name: ref });
        }
        this.log.info({ image: ref, digest: r.stdout.trim() }, 'pulled the image');
      },
    });
  }

  private forward(signal: NodeJS.Signals): void {
    if (!this.started) {
      this.log.warn({ signal }, 'signal not forwarded: the container has not started');
      return;
    }
    this.log.info({ signal }, 'forwarding a signal to the container');
    this.signalContainer(signal);
  }

  private signalContainer(signal: NodeJS.Signals | number): void {
    try {
      this.container?.signal(signal);
    } catch (err) {
      if ((err as SystemError).code !== 'ESRCH') this.log.error({ signal, err: errorMessage(err) }, 'could not signal the container');
    }
  }

  /** Stopped before `start`: nothing of the container ran; it is killed, and removed by the release stack. */
  private async endBeforeStart(): Promise<number> {
    this.signalContainer('SIGKILL');
    if (this.container) await this.exit;
    return signalExitCode(this.stopRequest!);
  }

  /** The container's own code: its exit status, or 128+N for signal N. */
  private exitCodeOf(result: ExitResult): number {
    if (result.err) {
      this.log.error({ err: result.err.message }, 'the container exited but its status could not be collected');
      return EXIT_CTRMON_ERROR;
    }
    this.state.exitSignal = result.status.signal;
    return result.status.exitCode ?? signalExitCode(result.status.signal!);
  }

  private recordExit(code: number, error: CtrmonError | null): void {
    if (error) this.state.error = { code: error.code, message: error.message };
    else this.log.info({ exitCode: code, signal: this.state.exitSignal }, 'container exited');
    this.state.exitCode = code;
    this.state.timestamps.exited = new Date().toISOString();
    this.update();
    this.events.emit('died', { exitCode: code });
  }

  /** The phase follows the timestamps (state/phase.ts); then the file is written. */
  private update(): void {
    this.state.phase = phaseOf(this.state.timestamps);
    this.save();
  }

  /**
   * Writes the state file. Once the container may run, a failed write (a full or read-only disk)
   * does not stop the service: the previous file stays whole, the error is logged, and the write is
   * retried with backoff (1 s to 30 s) and at every transition until it succeeds.
   */
  private save(): void {
    clearTimeout(this.stateRetry);
    try {
      writeState(this.file, this.state);
    } catch (err) {
      this.stateRetryMs = Math.min(Math.max(this.stateRetryMs * 2, STATE_RETRY_FIRST_MS), STATE_RETRY_MAX_MS);
      this.warnings.warn(
        'state-write',
        { err: errorMessage(err), path: this.file, retryMs: this.stateRetryMs },
        'cannot write the state file; retrying',
      );
      this.stateRetry = setTimeout(() => this.save(), this.stateRetryMs);
      this.stateRetry.unref();
      return;
    }
    if (this.stateRetryMs) this.log.info({ path: this.file }, 'the state file is written again');
    this.stateRetryMs = 0;
  }
}

/** The update engine's pin (state/paths.ts), if it left one. */
function readPin(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** --pids-limit and --memory need their controllers where the container's cgroup goes. */
function checkControllers(cgroupsPath: string, o: MonitorOptions): void {
  const limits = { pids: o.pidsLimit === undefined ? null : '--pids-limit', memory: o.memory === undefined ? null : '--memory' };
  const wanted = Object.entries(limits).filter(([, flag]) => flag !== null);
  const missing = missingControllers(
    cgroupsPath,
    wanted.map(([c]) => c),
  );
  if (missing.length) {
    const flags = wanted.filter(([c]) => missing.includes(c)).map(([, flag]) => flag);
    throw new CtrmonError(
      'ERR_INVALID_OPTION',
      `${flags.join(' and ')}: the unit's cgroup ${path.posix.dirname(cgroupsPath)} has no ${missing.join(' or ')} controller ` +
        '(a hybrid host keeps it on cgroup v1): the limit cannot be set where the container runs',
    );
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
