// Health checks, as podman and docker define them: a command run inside the container every
// interval; it passes with exit status 0. The status starts as 'starting', turns 'healthy' on the
// first pass, and 'unhealthy' after `retries` consecutive failures; failures within the start
// period do not count. In --sdnotify=healthy mode the first pass is what makes ctrmon send READY=1.
// podman's startup probe, when there is one, runs first: its own command every its own interval
// until it passes `successes` times in a row (then the regular checks begin); failing `retries`
// times in a row means the container never started well, which the monitor answers with a restart.
import { CtrmonError } from '../errors';
import type { Logger } from '../log';
import type { HealthState } from '../state/types';

export interface HealthOptions {
  /** The argv run in the container. */
  command: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

/** What the monitor does when the container turns unhealthy (podman's --health-on-failure). */
export const HEALTH_FAILURE_ACTIONS = ['none', 'kill', 'restart', 'stop'] as const;
export type HealthFailureAction = (typeof HEALTH_FAILURE_ACTIONS)[number];

/** podman's startup probe (--health-startup-*). */
export interface StartupProbeOptions {
  command: string[];
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive failures that restart the container; 0: never. */
  retries: number;
  /** Consecutive passes that end the probe; 0 counts as 1, as podman has it. */
  successes: number;
}

export interface ProbeResult {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
}

export type Probe = (command: string[], timeoutMs: number) => Promise<ProbeResult>;

/**
 * The forms podman accepts for --health-cmd: a JSON array (exec form; a leading "CMD" is dropped,
 * "CMD-SHELL" runs the rest with /bin/sh -c) or a plain string, run with /bin/sh -c.
 */
export function parseHealthCommand(text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) {
    if (!trimmed) throw new CtrmonError('ERR_INVALID_OPTION', '--health-cmd is empty');
    return ['/bin/sh', '-c', trimmed];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new CtrmonError('ERR_INVALID_OPTION', `--health-cmd ${text}: not a valid JSON array`);
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string') || parsed.length === 0) {
    throw new CtrmonError('ERR_INVALID_OPTION', `--health-cmd ${text}: expected a non-empty JSON array of strings`);
  }
  const [first, ...rest] = parsed as string[];
  if (first === 'CMD-SHELL') return ['/bin/sh', '-c', rest.join(' ')];
  const argv = first === 'CMD' ? rest : (parsed as string[]);
  if (!argv.length) throw new CtrmonError('ERR_INVALID_OPTION', `--health-cmd ${text}: no command`);
  return argv;
}

export class HealthChecker {
  readonly state: HealthState = { status: 'starting', failingStreak: 0, lastCheck: null, lastExitCode: null, lastOutput: '' };
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private stopped = false;
  private firstNow = true;
  /** The startup probe's run so far, while it runs. */
  private startup: { passes: number; failures: number } | null = null;

  constructor(
    private readonly options: HealthOptions,
    private readonly probe: Probe,
    /** Called after every check whose outcome changed the status. */
    private readonly onChange: (state: HealthState) => void,
    private readonly log: Logger,
    private readonly startupProbe?: { options: StartupProbeOptions; onFailed: () => void },
  ) {}

  /**
   * Runs the startup probe, if there is one, then the regular checks, one every interval (never two
   * at once). The first regular check runs at once when firstNow (readiness waits for it), else
   * after one interval, as podman and Docker run it, so that it does not compete with the start.
   */
  start(firstNow: boolean): void {
    this.firstNow = firstNow;
    if (this.startupProbe) {
      this.startup = { passes: 0, failures: 0 };
      void this.checkStartup(this.startupProbe.options);
      return;
    }
    this.startRegular();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private startRegular(): void {
    this.startedAt = Date.now();
    if (this.firstNow) void this.check();
    else this.timer = setTimeout(() => void this.check(), this.options.intervalMs);
  }

  private async check(): Promise<void> {
    if (this.stopped) return;
    const result = await this.run(this.options.command, this.options.timeoutMs);
    if (this.stopped) return;
    this.record(result);
    this.timer = setTimeout(() => void this.check(), this.options.intervalMs);
  }

  private async checkStartup(options: StartupProbeOptions): Promise<void> {
    if (this.stopped) return;
    const result = await this.run(options.command, options.timeoutMs);
    if (this.stopped) return;
    const run = this.startup!;
    this.state.lastCheck = new Date().toISOString();
    this.state.lastExitCode = result.exitCode;
    this.state.lastOutput = outputOf(result, options.timeoutMs);
    if (result.exitCode === 0 && !result.timedOut) {
      run.failures = 0;
      if (++run.passes >= Math.max(1, options.successes)) {
        this.log.info({ passes: run.passes }, 'startup health check passed; the regular checks begin');
        this.startup = null;
        this.startRegular();
        return;
      }
    } else {
      run.passes = 0;
      run.failures++;
      this.log.debug({ failures: run.failures, exitCode: result.exitCode, output: this.state.lastOutput }, 'startup health check failed');
      if (options.retries > 0 && run.failures >= options.retries) {
        this.log.warn({ failures: run.failures }, 'startup health check failed too often');
        this.stop();
        this.startupProbe!.onFailed();
        return;
      }
    }
    this.timer = setTimeout(() => void this.checkStartup(options), options.intervalMs);
  }

  /** One probe; a probe that throws is a failure with its message. */
  private async run(command: string[], timeoutMs: number): Promise<ProbeResult> {
    try {
      return await this.probe(command, timeoutMs);
    } catch (err) {
      return { exitCode: null, timedOut: false, output: (err as Error).message };
    }
  }

  private record(result: ProbeResult): void {
    const before = this.state.status;
    const passed = result.exitCode === 0 && !result.timedOut;
    this.state.lastCheck = new Date().toISOString();
    this.state.lastExitCode = result.exitCode;
    this.state.lastOutput = outputOf(result, this.options.timeoutMs);
    if (passed) {
      this.state.status = 'healthy';
      this.state.failingStreak = 0;
    } else if (Date.now() - this.startedAt >= this.options.startPeriodMs || before !== 'starting') {
      this.state.failingStreak++;
      if (this.state.failingStreak >= this.options.retries) this.state.status = 'unhealthy';
    }
    if (this.state.status !== before) {
      this.log.info(
        { health: this.state.status, failingStreak: this.state.failingStreak, exitCode: result.exitCode },
        `health check: ${this.state.status}`,
      );
      this.onChange(this.state);
    } else if (!passed) {
      this.log.debug(
        { failingStreak: this.state.failingStreak, exitCode: result.exitCode, output: this.state.lastOutput },
        'health check failed',
      );
    }
  }
}

/** What the state file keeps of a check's output. */
function outputOf(result: ProbeResult, timeoutMs: number): string {
  return (result.timedOut ? `timed out after ${timeoutMs} ms\n` : '') + result.output.slice(0, 512);
}
