// `ctrmon image inspect <ref...>`: podman's JSON array, or a Go template per image.
import { Command } from 'commander';

import type { Host } from '../host/host';
import { renderTemplate } from '../format/go-template';
import { inspectImage } from '../image/store/images';
import { ImageStore } from '../image/store/store';
import { pathOption } from './flag-option';

export function imageInspectCommand(host: Host): Command {
  return new Command('inspect')
    .description('show what the store knows of images')
    .argument('<image...>', 'names, IDs or digests')
    .addOption(pathOption('storeRoot', host))
    .option('--format <format>', 'json (the default) or a Go template such as "{{.Id}} {{.Architecture}}"')
    .action(async (images: string[], opts: { root: string; format?: string }) => {
      const store = await ImageStore.open(opts.root);
      const docs = images.map((i) => inspectImage(store, i));
      if (opts.format && opts.format !== 'json') process.stdout.write(renderTemplate(opts.format, docs));
      else process.stdout.write(`${JSON.stringify(docs, null, 4)}\n`);
    });
}
