// `ctrmon monitor`'s options: checked and converted here from the strings the CLI received, so
// that every bad value is reported with the option's name before anything starts.
import { constants } from 'node:os';
import * as path from 'node:path';

import { CtrmonError } from '../errors';
import { HealthOptions, parseHealthCommand } from '../health/health-check';
import { LOG_LEVELS, LogLevel } from '../log';
import { LOG_DRIVERS, LogDriverName } from '../logs/driver';
import { DEFAULT_STATE_DIR, SdNotifyMode } from './state-file';

export const SDNOTIFY_MODES: readonly SdNotifyMode[] = ['container', 'conmon', 'healthy', 'ignore'];
export const CGROUP_MODES = ['split', 'bundle'] as const;
export type CgroupMode = (typeof CGROUP_MODES)[number];

export interface MonitorOptions {
  name: string;
  bundle: string;
  /** Replaces the bundle's process.args when not empty. */
  command: string[];
  /** KEY=VALUE entries for the container's environment. */
  env: string[];
  labels: Record<string, string>;
  /** A runtime name or path; undefined picks crun, else runc. */
  runtime?: string;
  runtimeArgs: string[];
  sdnotify: SdNotifyMode;
  health?: HealthOptions;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  logDriver: LogDriverName;
  logPath?: string;
  logSizeMax?: number;
  pidFile?: string;
  stateDir: string;
  cgroups: CgroupMode;
  /** Relay EXTEND_TIMEOUT_USEC= clamped to this; undefined drops it. */
  extendTimeoutMaxUsec?: number;
  /** ctrmon's own log level. */
  logLevel: LogLevel;
}

/** The options as the command line gave them. */
export interface RawMonitorOptions {
  bundle?: string;
  runtime?: string;
  runtimeArg?: string[];
  sdnotify?: string;
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  stopSignal?: string;
  stopTimeout?: string;
  logDriver?: string;
  logPath?: string;
  logSizeMax?: string;
  pidfile?: string;
  stateDir?: string;
  env?: string[];
  label?: string[];
  cgroups?: string;
  notifyExtendTimeoutMax?: string;
  logLevel?: string;
}

function bad(option: string, value: string, why: string): CtrmonError {
  return new CtrmonError('ERR_INVALID_OPTION', `${option} ${JSON.stringify(value)}: ${why}`);
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

export function checkName(name: string): string {
  if (!NAME.test(name)) {
    throw new CtrmonError(
      'ERR_INVALID_NAME',
      `invalid container name ${JSON.stringify(name)}: use 1-128 of [a-zA-Z0-9_.-], starting with a letter or digit`,
      { name },
    );
  }
  return name;
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration such as "30s", "1m30s", "500ms" or "2h"; a bare number is seconds. */
export function parseDuration(option: string, value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS_MS[m[2]];
    matched = re.lastIndex;
  }
  if (text === '' || matched !== text.length) throw bad(option, value, 'expected a duration such as 30s, 1m30s, 500ms or a number of seconds');
  return Math.round(total);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** A size such as "512", "64k", "10m" or "1g" (powers of 1024). */
export function parseSize(option: string, value: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw bad(option, value, 'expected a size such as 512, 64k, 10m or 1g');
  return Number(m[1]) * unit;
}

/** A signal by name (TERM, SIGTERM) or number. */
export function parseSignal(option: string, value: string): NodeJS.Signals {
  const signals = constants.signals as Record<string, number>;
  const upper = value.trim().toUpperCase();
  const name = /^\d+$/.test(upper)
    ? Object.keys(signals).find((k) => signals[k] === Number(upper))
    : upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!name || signals[name] === undefined) throw bad(option, value, 'not a signal name or number');
  return name as NodeJS.Signals;
}

function parseCount(option: string, value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw bad(option, value, 'expected a whole number of at least 1');
  return Number(value);
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw bad(option, value, `expected one of ${allowed.join(', ')}`);
  return value as T;
}

/** KEY=VALUE; a bare KEY takes the value from ctrmon's own environment (like podman -e KEY). */
export function parseEnv(entries: string[], own: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (!/^[^=\0\s]+$/.test(key)) throw bad('--env', entry, 'expected KEY=VALUE');
    if (eq >= 0) out.push(entry);
    else if (own[key] !== undefined) out.push(`${key}=${own[key]}`);
  }
  return out;
}

export function parseLabels(entries: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw bad('--label', entry, 'expected KEY=VALUE');
    labels[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return labels;
}

export function buildMonitorOptions(name: string, command: string[], raw: RawMonitorOptions, ownEnv: NodeJS.ProcessEnv = process.env): MonitorOptions {
  checkName(name);
  if (!raw.bundle) throw new CtrmonError('ERR_INVALID_OPTION', '--bundle is required: the OCI bundle directory to run');
  const sdnotify = oneOf('--sdnotify', raw.sdnotify ?? 'conmon', SDNOTIFY_MODES);
  let health: HealthOptions | undefined;
  if (raw.healthCmd !== undefined) {
    health = {
      command: parseHealthCommand(raw.healthCmd),
      intervalMs: parseDuration('--health-interval', raw.healthInterval ?? '30s'),
      timeoutMs: parseDuration('--health-timeout', raw.healthTimeout ?? '30s'),
      retries: parseCount('--health-retries', raw.healthRetries ?? '3'),
      startPeriodMs: parseDuration('--health-start-period', raw.healthStartPeriod ?? '0s'),
    };
    if (health.intervalMs <= 0) throw bad('--health-interval', raw.healthInterval ?? '', 'must be longer than 0');
  } else if (sdnotify === 'healthy') {
    throw new CtrmonError('ERR_INVALID_OPTION', '--sdnotify=healthy requires --health-cmd: readiness is the first passing health check');
  }
  const logDriver = oneOf('--log-driver', raw.logDriver ?? 'passthrough', LOG_DRIVERS);
  if (raw.logSizeMax !== undefined && logDriver !== 'k8s-file') {
    throw bad('--log-size-max', raw.logSizeMax, 'only applies to --log-driver=k8s-file');
  }
  const extend = raw.notifyExtendTimeoutMax === undefined ? undefined : parseDuration('--notify-extend-timeout-max', raw.notifyExtendTimeoutMax) * 1000;
  return {
    name,
    bundle: path.resolve(raw.bundle),
    command,
    env: parseEnv(raw.env ?? [], ownEnv),
    labels: parseLabels(raw.label ?? []),
    runtime: raw.runtime,
    runtimeArgs: raw.runtimeArg ?? [],
    sdnotify,
    health,
    stopSignal: parseSignal('--stop-signal', raw.stopSignal ?? 'SIGTERM'),
    stopTimeoutMs: parseDuration('--stop-timeout', raw.stopTimeout ?? '10'),
    logDriver,
    logPath: raw.logPath === undefined ? undefined : path.resolve(raw.logPath),
    logSizeMax: raw.logSizeMax === undefined ? undefined : parseSize('--log-size-max', raw.logSizeMax),
    pidFile: raw.pidfile === undefined ? undefined : path.resolve(raw.pidfile),
    stateDir: path.resolve(raw.stateDir ?? DEFAULT_STATE_DIR),
    cgroups: oneOf('--cgroups', raw.cgroups ?? 'split', CGROUP_MODES),
    extendTimeoutMaxUsec: extend,
    logLevel: oneOf('--log-level', raw.logLevel ?? 'info', LOG_LEVELS),
  };
}
