// `ctrmon images` (also `ctrmon image ls`): the stored images, podman's columns.
import { Command } from 'commander';

import type { Host } from '../host/host';
import { listImages } from '../image/store/images';
import { ImageStore } from '../image/store/store';
import { printRows } from './image-format';
import { pathOption } from './flag-option';

export function age(iso: string): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 3600) return `${Math.round(s / 60)} minutes ago`;
  if (s < 2 * 86400) return `${Math.round(s / 3600)} hours ago`;
  return `${Math.round(s / 86400)} days ago`;
}

function size(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

export function imagesCommand(name: string, host: Host): Command {
  return new Command(name)
    .description('list the images in the store')
    .addOption(pathOption('storeRoot', host))
    .option('--format <format>', 'table, json, or a Go template such as "{{.Repository}}:{{.Tag}} {{.Digest}}"')
    .option('-q, --quiet', 'print only image IDs')
    .action(async (opts: { root: string; format?: string; quiet?: boolean }) => {
      const rows = listImages(await ImageStore.open(opts.root));
      if (opts.quiet) {
        process.stdout.write([...new Set(rows.map((r) => r.ID))].map((id) => `${id}\n`).join(''));
        return;
      }
      printRows(rows as unknown as Record<string, unknown>[], opts.format, {
        header: ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
        row: (r) => [String(r.Repository), String(r.Tag), String(r.ID), age(String(r.Created)), size(Number(r.Size))],
      });
    });
}
