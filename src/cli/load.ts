// `ctrmon load -i <archive>`: an oci-archive or docker-archive into the store (boards without a registry).
import { Command } from 'commander';

import type { Host } from '../host/host';
import { loadArchive } from '../image/archive/archive';
import { ImageStore } from '../image/store/store';
import { pathOption } from './flag-option';

export function loadCommand(host: Host): Command {
  return new Command('load')
    .description('load images from an oci-archive or docker-archive file')
    .requiredOption('-i, --input <file>', 'the archive')
    .addOption(pathOption('storeRoot', host))
    .action(async (opts: { input: string; root: string }) => {
      const loaded = await loadArchive(await ImageStore.open(opts.root), opts.input);
      for (const image of loaded) {
        const names = image.names.length ? image.names : [image.descriptor.digest];
        for (const n of names) process.stdout.write(`Loaded image: ${n}\n`);
      }
    });
}
