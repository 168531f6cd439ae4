// `ctrmon save -o <archive> <image>`: an oci-archive of a stored image.
import { Command } from 'commander';

import type { Host } from '../host/host';
import { saveOciArchive } from '../image/archive/archive';
import { findImage } from '../image/store/images';
import { ImageStore } from '../image/store/store';
import { pathOption } from './flag-option';

export function saveCommand(host: Host): Command {
  return new Command('save')
    .description('write a stored image to an oci-archive file')
    .argument('<image>', 'name, ID or digest')
    .requiredOption('-o, --output <file>', 'the archive to write')
    .option('--format <format>', 'oci-archive (the only format written)', 'oci-archive')
    .addOption(pathOption('storeRoot', host))
    .action(async (image: string, opts: { output: string; format: string; root: string }) => {
      if (opts.format !== 'oci-archive') throw new Error(`--format ${opts.format}: only oci-archive is written`);
      const store = await ImageStore.open(opts.root);
      const { name, digest } = findImage(store, image);
      await saveOciArchive(store, name ?? digest, opts.output);
    });
}
