// `ctrmon auto-update`: podman's command, its flags and output, and ctrmon's verification,
// quarantine and rollback (update/engine.ts). Exit code: 0, 2 when a unit was rolled back, 125 when
// anything failed.
import type { Command } from 'commander';

import type { Host } from '../host/host';
import { autoUpdate } from '../update/engine';
import { type RawEngineOptions, addEngineOptions, engineOptions, printReports } from './update-options';

type AutoUpdateFlags = RawEngineOptions & { dryRun?: boolean; rollback: boolean; authfile?: string; tlsVerify?: boolean };

const bool = (v: string) => v !== 'false';

export function registerAutoUpdate(program: Command, host: Host): void {
  const command = program
    .command('auto-update')
    .description('update the images of containers with an io.containers.autoupdate label and restart their units')
    .option('--dry-run', 'check only: "pending" where an update is available')
    .option('--rollback <bool>', 'go back to the previous image when the new one does not become ready and stay up', bool, true)
    .option('--authfile <file>', 'registry credentials (the io.containers.autoupdate.authfile label wins)')
    .option('--tls-verify <bool>', 'false: plain http to the registry (default: registries.conf decides)', bool);
  addEngineOptions(command, host).action(async (flags: AutoUpdateFlags) => {
    const result = await autoUpdate({
      ...engineOptions(flags, host, (line) => process.stderr.write(`${line}\n`)),
      dryRun: flags.dryRun === true,
      rollback: flags.rollback,
      authfile: flags.authfile,
      tlsVerify: flags.tlsVerify,
    });
    printReports(result.reports, flags.format);
    for (const err of result.errors) process.stderr.write(`ctrmon: ${err.message}\n`);
    process.exitCode = result.exitCode;
  });
}
