// `ctrmon image inspect <ref...>`: podman's JSON array, or a Go template per image.
import { Command } from 'commander';

import { renderTemplate } from '../format/go-template';
import { inspectImage } from '../image/store/images';
import { ImageStore } from '../image/store/store';
import { DEFAULT_STORE_ROOT } from '../image/store/root';

export function imageInspectCommand(): Command {
  return new Command('inspect')
    .description('show what the store knows of images')
    .argument('<image...>', 'names, IDs or digests')
    .option('--root <dir>', 'the image store', DEFAULT_STORE_ROOT)
    .option('--format <format>', 'json (the default) or a Go template such as "{{.Id}} {{.Architecture}}"')
    .action(async (images: string[], opts: { root: string; format?: string }) => {
      const store = await ImageStore.open(opts.root);
      const docs = images.map((i) => inspectImage(store, i));
      if (opts.format && opts.format !== 'json') process.stdout.write(renderTemplate(opts.format, docs));
      else process.stdout.write(`${JSON.stringify(docs, null, 4)}\n`);
    });
}
