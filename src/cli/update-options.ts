// The options `auto-update` and `rollback` share, declared once, and how they become the
// engine's options and its output.
import type { Command } from 'commander';

import { badOption, parseDuration } from '../config/parse';
import type { Host } from '../host/host';
import { SystemdClient } from '../systemd/systemd-client';
import type { EngineOptions } from '../update/engine';
import { DEFAULT_KEEP } from '../update/previous-images';
import { type UpdateReport, statusText } from '../update/report';
import { pathOption } from './flag-option';
import { printRows } from './image-format';

export interface RawEngineOptions {
  stateDir: string;
  updateDir: string;
  hooksDir: string;
  timeout: string;
  soak: string;
  keep: string;
  format?: string;
}

export function addEngineOptions(command: Command, host: Host): Command {
  return command
    .addOption(pathOption('stateDir', host))
    .addOption(pathOption('updateDir', host))
    .addOption(pathOption('hooksDir', host))
    .option('--timeout <duration>', 'how long a restarted unit may take to be ready', '2m')
    .option('--soak <duration>', 'how long it must then stay up (0: not at all)', '10s')
    .option('--keep <n>', 'previous images kept per reference, for rollbacks', String(DEFAULT_KEEP))
    .option('--format <format>', 'table, json, or a Go template over the JSON keys');
}

export function engineOptions(raw: RawEngineOptions, host: Host, progress: (line: string) => void): EngineOptions {
  const keep = Number(raw.keep);
  if (!/^\d+$/.test(raw.keep) || keep < 1) throw badOption('--keep', raw.keep, 'expected a whole number of at least 1');
  const timeoutMs = parseDuration('--timeout', raw.timeout);
  if (timeoutMs <= 0) throw badOption('--timeout', raw.timeout, 'must be longer than 0');
  return {
    stateDir: raw.stateDir,
    updateDir: raw.updateDir,
    hooksDir: raw.hooksDir,
    client: new SystemdClient({ user: host.manager === 'user' }),
    timeoutMs,
    soakMs: parseDuration('--soak', raw.soak),
    keep,
    progress,
  };
}

/** podman's table (UNIT CONTAINER IMAGE POLICY UPDATED), JSON (always, "[]" when empty), or a template. */
export function printReports(reports: UpdateReport[], format: string | undefined): void {
  if (format === 'json') {
    // podman's indentation for auto-update.
    process.stdout.write(`${JSON.stringify(reports, null, 4)}\n`);
    return;
  }
  // A table of nothing is nothing, as in podman.
  if (reports.length === 0 && (format === undefined || format === 'table')) return;
  printRows(reports as unknown as Record<string, unknown>[], format, {
    header: ['UNIT', 'CONTAINER', 'IMAGE', 'POLICY', 'UPDATED'],
    row: (r) => {
      const report = r as unknown as UpdateReport;
      return [report.Unit, report.Container, report.Image, report.Policy, statusText(report)];
    },
  });
}
