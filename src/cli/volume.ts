// `ctrmon volume create|ls|inspect|rm|prune`: the named volumes that --volume NAME:/path mounts, as
// podman's `volume` commands print them.
import { randomBytes } from 'node:crypto';

import type { Command } from 'commander';

import { parseLabels } from '../config/parse';
import type { Host } from '../host/host';
import { createVolume, inspectVolume, listVolumes, removeVolume, unusedVolumes } from '../volume/store';
import { pathOption } from './flag-option';
import { inspectCommand } from './inspect-command';
import { printRows } from './image-format';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerVolume(program: Command, host: Host): void {
  const volume = program.command('volume').description('manage named volumes');
  volume
    .command('create')
    .description('create a named volume (--volume NAME:/path also makes one on first use)')
    .argument('[name]', 'the name (default: 64 random hex digits, as podman makes one)')
    .addOption(pathOption('volumesDir', host))
    .option('-l, --label <KEY=VALUE>', 'a label (repeatable)', collect, [])
    .option('--ignore', 'a volume of that name already there is no error')
    .action((name: string | undefined, opts: { volumesDir: string; label: string[]; ignore?: boolean }) => {
      const record = createVolume(opts.volumesDir, name ?? randomBytes(32).toString('hex'), parseLabels(opts.label), opts.ignore === true);
      process.stdout.write(`${record.Name}\n`);
    });
  volume
    .command('ls')
    .description('list the named volumes')
    .addOption(pathOption('volumesDir', host))
    .option('--format <format>', 'table, json, or a Go template such as "{{.Name}} {{.Mountpoint}}"')
    .option('-q, --quiet', 'print only the names')
    .action((opts: { volumesDir: string; format?: string; quiet?: boolean }) => {
      const rows = listVolumes(opts.volumesDir);
      if (opts.quiet) process.stdout.write(rows.map((r) => `${r.Name}\n`).join(''));
      else
        printRows(rows as unknown as Record<string, unknown>[], opts.format, {
          header: ['DRIVER', 'VOLUME NAME'],
          row: (r) => [String(r.Driver), String(r.Name)],
        });
    });
  volume.addCommand(
    inspectCommand(host, {
      description: 'show named volumes as podman does: a JSON array',
      argument: ['<name...>', 'volume names'],
      dir: 'volumesDir',
      example: '{{.Mountpoint}}',
      inspect: inspectVolume,
    }),
  );
  volume
    .command('rm')
    .description('remove named volumes and their data (never one a running container uses)')
    .argument('<name...>', 'volume names')
    .addOption(pathOption('volumesDir', host))
    .action((names: string[], opts: { volumesDir: string }) => {
      for (const n of names) {
        removeVolume(opts.volumesDir, n);
        process.stdout.write(`${n}\n`);
      }
    });
  volume
    .command('prune')
    .description('remove every named volume no running container uses')
    .addOption(pathOption('volumesDir', host))
    .option('-f, --force', "podman's flag for not asking; ctrmon never asks")
    .action((opts: { volumesDir: string }) => {
      for (const v of unusedVolumes(opts.volumesDir)) {
        removeVolume(opts.volumesDir, v.Name);
        process.stdout.write(`${v.Name}\n`);
      }
    });
}
