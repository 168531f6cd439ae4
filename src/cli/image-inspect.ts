// `ctrmon image inspect <ref...>`: podman's JSON array, or a Go template per image.
import type { Command } from 'commander';

import type { Host } from '../host/host';
import { inspectImage } from '../image/store/images';
import { ImageStore } from '../image/store/store';
import { inspectCommand } from './inspect-command';

export function imageInspectCommand(host: Host): Command {
  return inspectCommand(host, {
    description: 'show what the store knows of images',
    argument: ['<image...>', 'names, IDs or digests'],
    dir: 'storeRoot',
    example: '{{.Id}} {{.Architecture}}',
    inspect: async (root, image) => inspectImage(await ImageStore.open(root), image),
  });
}
