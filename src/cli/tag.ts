// `ctrmon tag <image> <name...>` (also `ctrmon image tag`): more names for a stored image.
import { Command } from 'commander';

import { findImage } from '../image/store/images';
import { formatReference, parseReference } from '../image/reference';
import { ImageStore } from '../image/store/store';
import { DEFAULT_STORE_ROOT } from '../image/store/root';

export function tagCommand(): Command {
  return new Command('tag')
    .description('give a stored image another name')
    .argument('<image>', 'name, ID or digest')
    .argument('<name...>', 'the new names')
    .option('--root <dir>', 'the image store', DEFAULT_STORE_ROOT)
    .action(async (image: string, names: string[], opts: { root: string }) => {
      const store = await ImageStore.open(opts.root);
      const { digest } = findImage(store, image);
      const descriptor = store.list().find((i) => i.descriptor.digest === digest)!.descriptor;
      for (const name of names) await store.tag(formatReference(parseReference(name)), { ...descriptor, annotations: undefined });
    });
}
