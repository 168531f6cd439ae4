// `ctrmon logs [-f] [--since TIME] [-n N] [--timestamps] <name>`: the container's output, wherever its
// log driver put it (logs/reader.ts); stdout lines to stdout, stderr lines to stderr, as podman logs.
import type { Command } from 'commander';

import { badOption, parseDuration } from '../config/parse';
import type { Host } from '../host/host';
import { type LogEntry, readLogs } from '../logs/reader';
import { pathOption } from './flag-option';

interface LogsFlags {
  stateDir: string;
  follow?: boolean;
  since?: string;
  tail?: string;
  timestamps?: boolean;
}

/** podman's --since: a Unix time, a duration before now (10m), or a date and time (RFC 3339 or what Date.parse reads). */
export function parseSince(text: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return now - parseDuration('--since', text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw badOption('--since', text, 'expected a Unix time, a duration such as 10m, or a time such as 2024-05-01T10:00:00Z');
  return ms;
}

function parseTail(text: string): number | undefined {
  if (text === '-1') return undefined; // podman's "all"
  if (!/^\d+$/.test(text)) throw badOption('--tail', text, 'expected a number of lines (-1: all)');
  return Number(text);
}

export function registerLogs(program: Command, host: Host): void {
  program
    .command('logs')
    .description("print a container's output, from its k8s-file log, the journal (journald) or its unit's journal (passthrough)")
    .argument('<name>', 'the container')
    .addOption(pathOption('stateDir', host))
    .option('-f, --follow', 'keep printing new output until the container exits')
    .option('--since <time>', 'output since a time: a Unix time, a duration before now (10m), or a date such as 2024-05-01T10:00:00Z')
    .option('-n, --tail <lines>', 'only the last lines (-1: all)')
    .option('-t, --timestamps', 'each line with its time')
    .action(async (name: string, flags: LogsFlags) => {
      // A line continued from a partial one has its time already.
      const continued = { stdout: false, stderr: false };
      const print = (e: LogEntry) => {
        const out = e.stream === 'stderr' ? process.stderr : process.stdout;
        out.write(`${flags.timestamps && !continued[e.stream] ? `${e.time} ` : ''}${e.text}${e.partial ? '' : '\n'}`);
        continued[e.stream] = e.partial;
      };
      await readLogs(
        flags.stateDir,
        name,
        {
          follow: flags.follow === true,
          sinceMs: flags.since === undefined ? undefined : parseSince(flags.since),
          tail: flags.tail === undefined ? undefined : parseTail(flags.tail),
        },
        print,
      );
    });
}
