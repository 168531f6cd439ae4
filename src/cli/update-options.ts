// The options `auto-update` and `rollback` share, declared once, and how they become the
// engine's options and its output.
import type { Command } from 'commander';

import { badOption, parseDuration } from '../config/parse';
import { DEFAULT_STATE_DIR } from '../state/paths';
import { SystemdClient } from '../systemd/systemd-client';
import type { EngineOptions } from '../update/engine';
import { DEFAULT_HOOKS_DIR } from '../update/hooks';
import { DEFAULT_KEEP } from '../update/previous-images';
import { DEFAULT_UPDATE_DIR } from '../update/records';
import { type UpdateReport, statusText } from '../update/report';
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

export function addEngineOptions(command: Command): Command {
  return command
    .option('--state-dir <dir>', "the monitors' state directory", DEFAULT_STATE_DIR)
    .option('--update-dir <dir>', "auto-update's own records: lock, intent, quarantine", DEFAULT_UPDATE_DIR)
    .option('--hooks-dir <dir>', 'hooks: <dir>/updated.d and <dir>/rolled-back.d', DEFAULT_HOOKS_DIR)
    .option('--timeout <duration>', 'how long a restarted unit may take to be ready', '2m')
    .option('--soak <duration>', 'how long it must then stay up (0: not at all)', '10s')
    .option('--keep <n>', 'previous images kept per reference, for rollbacks', String(DEFAULT_KEEP))
    .option('--format <format>', 'table, json, or a Go template over the JSON keys');
}

export function engineOptions(raw: RawEngineOptions, progress: (line: string) => void): EngineOptions {
  const keep = Number(raw.keep);
  if (!/^\d+$/.test(raw.keep) || keep < 1) throw badOption('--keep', raw.keep, 'expected a whole number of at least 1');
  const timeoutMs = parseDuration('--timeout', raw.timeout);
  if (timeoutMs <= 0) throw badOption('--timeout', raw.timeout, 'must be longer than 0');
  return {
    stateDir: raw.stateDir,
    updateDir: raw.updateDir,
    hooksDir: raw.hooksDir,
    client: new SystemdClient(),
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
