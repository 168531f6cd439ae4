// The options every image command shares (podman's names).
import type { Command } from 'commander';

import { DEFAULT_STORE_ROOT } from '../image/store/root';

export interface ImageCommandOptions {
  root: string;
  authfile?: string;
  tlsVerify: boolean;
  quiet?: boolean;
}

export function addImageOptions(command: Command): Command {
  return command
    .option('--root <dir>', 'the image store', DEFAULT_STORE_ROOT)
    .option('--authfile <file>', 'registry credentials (containers-auth.json)')
    .option('--tls-verify <bool>', 'false: plain http to the registry', (v) => v !== 'false', true)
    .option('-q, --quiet', 'print only the image ID');
}
