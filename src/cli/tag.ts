// `ctrmon tag <image> <name...>` (also `ctrmon image tag`): more names for a stored image.
import { Command } from 'commander';

import type { Host } from '../host/host';
import { findImage } from '../image/store/images';
import { formatReference, parseReference } from '../image/reference';
import { ImageStore } from '../image/store/store';
import { pathOption } from './flag-option';

export function tagCommand(host: Host): Command {
  return new Command('tag')
    .description('give a stored image another name')
    .argument('<image>', 'name, ID or digest')
    .argument('<name...>', 'the new names')
    .addOption(pathOption('storeRoot', host))
    .action(async (image: string, names: string[], opts: { root: string }) => {
      const store = await ImageStore.open(opts.root);
      const { digest } = findImage(store, image);
      const descriptor = store.list().find((i) => i.descriptor.digest === digest)!.descriptor;
      for (const name of names) await store.tag(formatReference(parseReference(name)), { ...descriptor, annotations: undefined });
    });
}
