// `ctrmon rmi <image...>` (also `ctrmon image rm`): a name goes; an image goes with its last name,
// never while a container uses it.
import { Command } from 'commander';

import type { Host } from '../host/host';
import { removeImage } from '../image/store/images';
import { ImageStore } from '../image/store/store';
import { pathOption } from './flag-option';

export function rmiCommand(name: string, host: Host): Command {
  return new Command(name)
    .description('remove images from the store')
    .argument('<image...>', 'names, IDs or digests')
    .addOption(pathOption('storeRoot', host))
    .action(async (images: string[], opts: { root: string }) => {
      const store = await ImageStore.open(opts.root);
      for (const image of images) {
        const { untagged, deleted } = await removeImage(store, image);
        for (const n of untagged) process.stdout.write(`Untagged: ${n}\n`);
        if (deleted) process.stdout.write(`Deleted: ${deleted.slice(7)}\n`);
      }
    });
}
