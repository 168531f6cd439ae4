// ctrmon's client of a systemd manager, through systemctl: start, stop and restart a unit and learn how
// the job ended, read properties, reload. systemctl rather than D-Bus: it is on every systemd machine,
// waits for the job itself, and the harness's private systemd is reachable only by running commands in
// its namespaces, which a runner does. Every command is async: `systemctl start` waits for READY.
import { CtrmonError, errorMessage } from '../errors';
import { type RunResult, run } from '../process/spawn';

/** Runs a command line whose argv[0] is `systemctl` and collects its output; rejects only when it cannot start. */
export type SystemctlRunner = (argv: string[]) => Promise<RunResult>;

export interface SystemdClientOptions {
  /** Defaults to running systemctl here; the harness passes one that runs it inside a private systemd. */
  runner?: SystemctlRunner;
  /** The calling user's manager (`systemctl --user`) instead of the system's. */
  user?: boolean;
}

/**
 * How a job ended, as systemctl reports it. A start that failed because the service timed out (its
 * Result=timeout) is 'timeout', as is a job that exceeded its own JobTimeoutSec=.
 */
export type JobResultName = 'done' | 'failed' | 'timeout' | 'canceled' | 'dependency' | 'assert' | 'unsupported' | 'collected' | 'once';

export interface JobResult {
  unit: string;
  result: JobResultName;
  /** The unit's state once the job ended. */
  activeState: string;
  subState: string;
  /** The unit's Result= property ('success', 'exit-code', 'timeout', ...; '' for unit types without one). */
  serviceResult: string;
  /** The main process's exit status (or signal number), null while no main process has ended. */
  execMainStatus: number | null;
  /** systemctl's stderr, trimmed: '' when the job was done. */
  message: string;
}

// systemctl's messages for a job that did not end 'done' (systemd's check_wait_response and
// log_job_error_with_service_result); the generic "Job for X failed" comes last.
const JOB_MESSAGES: [RegExp, JobResultName][] = [
  [/^Job for .+ canceled\.$/m, 'canceled'],
  [/^Job for .+ (timed out\.|failed because a timeout was exceeded\.)$/m, 'timeout'],
  [/^A dependency job for .+ failed\./m, 'dependency'],
  [/^Assertion failed on job for .+\.$/m, 'assert'],
  [/^Operation on or unit type of .+ not supported on this system\.$/m, 'unsupported'],
  [/^Queued job for .+ was garbage collected\.$/m, 'collected'],
  [/^Unit .+ was started already once and can't be started again\.$/m, 'once'],
  [/^Job for .+ failed/m, 'failed'],
];

const JOB_PROPERTIES = ['ActiveState', 'SubState', 'Result', 'ExecMainCode', 'ExecMainStatus'];

export class SystemdClient {
  private readonly runner: SystemctlRunner;
  private readonly scope: string[];

  constructor(options: SystemdClientOptions = {}) {
    this.runner = options.runner ?? ((argv) => run(argv[0], argv.slice(1), { maxOutput: 1024 * 1024 }));
    this.scope = options.user ? ['--user'] : [];
  }

  /** Starts a unit and waits for the job (for Type=notify, until READY=1). Resolves for a failed job too. */
  start(unit: string): Promise<JobResult> {
    return this.job('start', unit);
  }

  stop(unit: string): Promise<JobResult> {
    return this.job('stop', unit);
  }

  restart(unit: string): Promise<JobResult> {
    return this.job('restart', unit);
  }

  /** The unit's properties (all of them when none are named); a unit that does not exist has LoadState=not-found. */
  async show(unit: string, ...properties: string[]): Promise<Record<string, string>> {
    const args = properties.length > 0 ? [`--property=${properties.join(',')}`, unit] : [unit];
    const { stdout } = await this.succeed('show', args, unit);
    const out: Record<string, string> = {};
    for (const line of stdout.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return out;
  }

  /** The word `systemctl is-active` prints: active, inactive, failed, activating, deactivating, ... */
  async isActive(unit: string): Promise<string> {
    // It exits non-zero for every state but active, so only an empty answer is an error.
    const { argv, result } = await this.systemctl('is-active', [unit], unit);
    const state = result.stdout.trim();
    if (state === '') throw this.failure(argv, result, unit);
    return state;
  }

  /** `systemctl enable [--now]`: the unit's [Install] links (and, with now, a start that must succeed). */
  async enable(unit: string, options: { now?: boolean } = {}): Promise<void> {
    await this.succeed('enable', [...(options.now ? ['--now'] : []), unit], unit);
  }

  async daemonReload(): Promise<void> {
    await this.succeed('daemon-reload', []);
  }

  async resetFailed(unit: string): Promise<void> {
    await this.succeed('reset-failed', [unit], unit);
  }

  private async job(verb: 'start' | 'stop' | 'restart', unit: string): Promise<JobResult> {
    const { argv, result } = await this.systemctl(verb, [unit], unit);
    const message = result.stderr.trim();
    // Anything but a job's own message (no such unit, a bad unit file, no bus) means there was no job.
    const name = result.code === 0 ? 'done' : result.code !== null ? JOB_MESSAGES.find(([re]) => re.test(message))?.[1] : undefined;
    if (name === undefined) throw this.failure(argv, result, unit);
    const p = await this.show(unit, ...JOB_PROPERTIES);
    return {
      unit,
      result: name,
      activeState: p.ActiveState ?? '',
      subState: p.SubState ?? '',
      serviceResult: p.Result ?? '',
      // ExecMainCode is 0 until the main process ends (systemd clears it when one starts).
      execMainStatus: p.ExecMainCode === undefined || p.ExecMainCode === '0' ? null : Number(p.ExecMainStatus),
      message,
    };
  }

  /** Runs systemctl and requires it to exit 0. */
  private async succeed(verb: string, args: string[], unit?: string): Promise<RunResult> {
    const { argv, result } = await this.systemctl(verb, args, unit);
    if (result.code !== 0) throw this.failure(argv, result, unit);
    return result;
  }

  private async systemctl(verb: string, args: string[], unit?: string): Promise<{ argv: string[]; result: RunResult }> {
    const argv = ['systemctl', ...this.scope, '--no-pager', verb, ...args];
    try {
      return { argv, result: await this.runner(argv) };
    } catch (err) {
      throw new CtrmonError('ERR_SYSTEMD', `${what(unit)}\`${argv.join(' ')}\` could not run: ${errorMessage(err)}`, subject(unit), {
        cause: err,
      });
    }
  }

  private failure(argv: string[], r: RunResult, unit?: string): CtrmonError {
    const how = r.code === null ? `was killed by ${r.signal}` : `exited with ${r.code}`;
    const last = r.stderr.trim().split('\n').pop();
    const said = last ? `: "${last}"` : ' and printed nothing';
    return new CtrmonError('ERR_SYSTEMD', `${what(unit)}\`${argv.join(' ')}\` ${how}${said}`, subject(unit));
  }
}

function what(unit: string | undefined): string {
  return unit === undefined ? '' : `${unit}: `;
}

function subject(unit: string | undefined): { unit?: string } {
  return unit === undefined ? {} : { unit };
}
