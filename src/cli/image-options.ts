// The options every image command shares (podman's names).
import type { Command } from 'commander';

import type { Host } from '../host/host';
import { pathOption } from './flag-option';

export interface ImageCommandOptions {
  root: string;
  authfile?: string;
  tlsVerify: boolean;
  quiet?: boolean;
}

export function addImageOptions(command: Command, host: Host): Command {
  return command
    .addOption(pathOption('storeRoot', host))
    .option('--authfile <file>', 'registry credentials (containers-auth.json)')
    .option('--tls-verify <bool>', 'false: plain http to the registry', (v) => v !== 'false', true)
    .option('-q, --quiet', 'print only the image ID');
}
