// `ctrmon pull [options] <reference>`: into the image store, as podman pull does; prints the image ID.
import type { Command } from 'commander';

import type { Host } from '../host/host';
import { ImageStore } from '../image/store/store';
import { pullImage } from '../image/pull';
import { PullProgress } from '../image/pull-progress';
import { RegistryClient } from '../image/registry/client';
import { retryPolicy } from '../image/registry/requests';
import { parseCount, parseDuration } from '../config/parse';
import { loadRegistriesConf } from '../image/registry/registries-conf';
import { hostPlatform, parsePlatform } from '../image/platform';
import { type ImageCommandOptions, addImageOptions } from './image-options';

export function registerPull(program: Command, host: Host): void {
  const command = program.command('pull').description('pull an image from a registry into the image store').argument('<reference>');
  addImageOptions(command, host)
    .option('--platform <os/arch[/variant]>', "the platform to pull (default: this machine's)")
    .option('--retry <n>', 'retries of a failed request (default: 4)')
    .option('--retry-delay <duration>', 'the delay between retries, always the same (default: from 0.5s, doubling)')
    .action(async (reference: string, opts: ImageCommandOptions & { platform?: string; retry?: string; retryDelay?: string }) => {
      const store = await ImageStore.open(opts.root);
      const retry = retryPolicy(
        opts.retry === undefined ? undefined : parseCount('--retry', opts.retry, 0),
        opts.retryDelay === undefined ? undefined : parseDuration('--retry-delay', opts.retryDelay),
      );
      const registry = new RegistryClient({
        authFile: opts.authfile,
        tlsVerify: opts.tlsVerify,
        registriesConf: loadRegistriesConf(),
        retry,
      });
      const progress = new PullProgress(process.stderr);
      const result = await pullImage(reference, {
        store,
        registry,
        platform: opts.platform ? parsePlatform(opts.platform) : hostPlatform(),
        onProgress: opts.quiet ? undefined : (layers) => progress.update(layers),
      });
      if (!opts.quiet && progress.interactive) progress.finish();
      if (!opts.quiet && !progress.interactive)
        process.stderr.write(`${progress.summary(result.name, result.layers, result.downloaded)}\n`);
      process.stdout.write(`${result.imageId}\n`);
    });
}
