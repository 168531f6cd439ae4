// `ctrmon image prune [--all]`: removes images without a name (--all: every image no container
// uses), then the blobs and layers nothing reaches.
import { Command } from 'commander';

import type { Host } from '../host/host';
import { pruneImages } from '../image/store/images';
import { ImageStore } from '../image/store/store';
import { pathOption } from './flag-option';

export function imagePruneCommand(host: Host): Command {
  return new Command('prune')
    .description('remove unused images')
    .addOption(pathOption('storeRoot', host))
    .option('-a, --all', 'also images with a name that no container uses (images auto-update keeps for rollbacks stay)')
    .option('-f, --force', "podman's flag for not asking; ctrmon never asks")
    .action(async (opts: { root: string; all?: boolean }) => {
      const removed = await pruneImages(await ImageStore.open(opts.root), opts.all === true);
      process.stdout.write(removed.map((d) => `${d.slice(7)}\n`).join(''));
    });
}
