// Writes the systemd unit that runs `ctrmon monitor` for one container: what the monitor needs
// from its unit (Type=notify, NotifyAccess=main, Delegate=yes, KillMode=mixed, timeouts that fit
// the monitor's own, the stop signal's exit status as a clean one, the container's name as the
// journal's identifier) comes from here. ExecStart names node and ctrmon by absolute path and
// repeats the monitor options in their canonical form. A setting of the user's (a .container file's
// [Unit] and [Service]) replaces ctrmon's of the same key, as systemd's last assignment would, or
// adds to it for a list key; a user's Type=oneshot has no start timeout and nobody to notify.
import { realpathSync } from 'node:fs';

import { DEFAULT_STOP_SIGNAL, type MonitorOptions, monitorArgs } from '../config/monitor-options';
import type { Host } from '../host/host';
import { READINESS } from '../notify/readiness';
import { PACKAGE_MANIFEST, packagePath } from '../package-root';
import { signalExitCode } from '../signal-numbers';
import { execReload } from './reload';
import { quoteWord } from './unit-file';

export type Entries = [string, string][];

export interface UnitSettings {
  description?: string;
  /** TimeoutStartSec; the default fits the readiness mode. */
  startTimeoutSec?: number;
  restart: string;
  /** The .container file the unit comes from. */
  sourcePath?: string;
  /** The user's entries, section by section: each replaces ctrmon's of its key, or adds to a list key. */
  extra?: { Unit?: Entries; Service?: Entries; Install?: Entries };
  /** Written as the first line (what generated the unit). */
  header: string;
}

const DEFAULT_START_TIMEOUT_SEC = 90;
const PULL_START_TIMEOUT_SEC = 300;
/** Beyond the stop timeout, for ctrmon's own clean-up (runtime delete, logs). */
const STOP_MARGIN_SEC = 10;

/**
 * node, its flags and ctrmon, by absolute path. The flags (package.json "ctrmon.nodeFlags") keep a
 * monitor small and quiet: no V8 worker threads, and V8's memory reducer runs right after start-up
 * instead of eight seconds later, so an idle monitor never wakes up. bin/load-bundle.js's code
 * cache is made for the same flags.
 */
export function ctrmonCommand(): string[] {
  return [process.execPath, ...PACKAGE_MANIFEST.ctrmon.nodeFlags, realpathSync(packagePath('bin', 'ctrmon.js'))];
}

/** Long enough for readiness: where the first passing health check says READY, the start period plus one check must fit. */
export function defaultStartTimeoutSec(o: Pick<MonitorOptions, 'image' | 'pull' | 'sdnotify' | 'health'>): number {
  // A start that may pull first needs room for the download.
  const base = o.image !== undefined && o.pull !== 'never' ? PULL_START_TIMEOUT_SEC : DEFAULT_START_TIMEOUT_SEC;
  if (READINESS[o.sdnotify].readyBy !== 'health' || !o.health) return base;
  const needed = Math.ceil((o.health.startPeriodMs + o.health.intervalMs + o.health.timeoutMs) / 1000) + 30;
  return Math.max(base, needed);
}

function section(name: string, entries: Entries): string {
  return `[${name}]\n${entries.map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

/** Keys ctrmon writes that systemd accumulates (systemd.unit(5), systemd.service(5)): the user's add to ctrmon's. */
const LIST_KEYS = new Set(['Wants', 'After', 'RequiresMountsFor', 'SuccessExitStatus']);

/** own, then extra: an extra entry of a key that own sets once replaces it (systemd's last assignment wins). */
function merged(own: Entries, extra: Entries): Entries {
  const single = new Set(own.map(([k]) => k).filter((k) => !LIST_KEYS.has(k)));
  let out = [...own];
  for (const entry of extra) {
    if (single.has(entry[0])) out = out.filter(([k]) => k !== entry[0]);
    out.push(entry);
  }
  return out;
}

/** The unit that runs o on host: its ExecStart leaves out the host's default paths. */
export function renderUnit(o: MonitorOptions, host: Host, settings: UnitSettings, command: string[] = ctrmonCommand()): string {
  const unit: Entries = [['Description', settings.description ?? `ctrmon container ${o.name}`]];
  if (settings.sourcePath) unit.push(['SourcePath', settings.sourcePath]);
  // A user's manager has no network-online.target (nothing there orders the network).
  if (host.manager === 'system') unit.push(['Wants', 'network-online.target'], ['After', 'network-online.target']);
  unit.push(['RequiresMountsFor', `${quoteWord((o.bundle ?? o.storeRoot)!)} ${quoteWord(o.stateDir)}`]);

  const extraService = settings.extra?.Service ?? [];
  const oneshot = extraService.filter(([k]) => k === 'Type').at(-1)?.[1] === 'oneshot';
  const service: Entries = [
    ['Type', READINESS[o.sdnotify].unitType],
    ...(oneshot ? [] : ([['NotifyAccess', 'main']] as Entries)),
    ['Delegate', 'yes'],
    ['KillMode', 'mixed'],
    // systemd gives a oneshot no start timeout by default: it runs as long as the container does.
    ...(oneshot ? [] : ([['TimeoutStartSec', String(settings.startTimeoutSec ?? defaultStartTimeoutSec(o))]] as Entries)),
    ['TimeoutStopSec', String(Math.ceil(o.stopTimeoutMs / 1000) + STOP_MARGIN_SEC)],
    // A container that dies of the stop signal it was sent has stopped cleanly.
    ['SuccessExitStatus', String(signalExitCode(o.stopSignal ?? DEFAULT_STOP_SIGNAL))],
    ['Restart', settings.restart],
    // The container's output is the unit's: `journalctl -t <name>` finds it, not "node".
    ['SyslogIdentifier', o.name],
    ['ExecStart', [...command, ...monitorArgs(o, host)].map(quoteWord).join(' ')],
    ...execReload(o, host, command),
  ];
  return renderSections(settings.header, { Unit: unit, Service: service }, settings.extra ?? {});
}

/** A unit's text: ctrmon's [Unit] and [Service] entries merged with the user's, then the user's [Install]. */
export function renderSections(
  header: string,
  own: { Unit: Entries; Service: Entries },
  extra: NonNullable<UnitSettings['extra']>,
): string {
  const install = extra.Install ?? [];
  return [
    `# ${header}`,
    section('Unit', merged(own.Unit, extra.Unit ?? [])),
    section('Service', merged(own.Service, extra.Service ?? [])),
    ...(install.length ? [section('Install', install)] : []),
  ].join('\n');
}
