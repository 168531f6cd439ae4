// Health checks, as podman and docker define them: a command run inside the container every
// interval; it passes with exit status 0. The status starts as 'starting', turns 'healthy' on the
// first pass, and 'unhealthy' after `retries` consecutive failures; failures within the start
// period do not count. In --sdnotify=healthy mode the first pass is what makes ctrmon send READY=1.
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

  constructor(
    private readonly options: HealthOptions,
    private readonly probe: Probe,
    /** Called after every check whose outcome changed the status. */
    private readonly onChange: (state: HealthState) => void,
    private readonly log: Logger,
  ) {}

  /** Runs the first check now, then one every interval (never two at once). */
  start(): void {
    this.startedAt = Date.now();
    void this.check();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async check(): Promise<void> {
    if (this.stopped) return;
    let result: ProbeResult;
    try {
      result = await this.probe(this.options.command, this.options.timeoutMs);
    } catch (err) {
      result = { exitCode: null, timedOut: false, output: (err as Error).message };
    }
    if (this.stopped) return;
    this.record(result);
    this.timer = setTimeout(() => void this.check(), this.options.intervalMs);
  }

  private record(result: ProbeResult): void {
    const before = this.state.status;
    const passed = result.exitCode === 0 && !result.timedOut;
    this.state.lastCheck = new Date().toISOString();
    this.state.lastExitCode = result.exitCode;
    this.state.lastOutput = (result.timedOut ? `timed out after ${this.options.timeoutMs} ms\n` : '') + result.output.slice(0, 512);
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
