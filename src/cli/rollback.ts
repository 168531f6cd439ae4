// `ctrmon rollback <unit> [--to <digest>]`: back to an image auto-update kept, by hand, verified as an
// update is; the image left is quarantined so that the next auto-update does not return to it.
import type { Command } from 'commander';

import type { Host } from '../host/host';
import { rollbackByHand } from '../update/engine';
import { type RawEngineOptions, addEngineOptions, engineOptions, printReports } from './update-options';

export function registerRollback(program: Command, host: Host): void {
  const command = program
    .command('rollback')
    .description('put a unit back on a previous image kept by auto-update')
    .argument('<unit>', 'the systemd unit (web.service)')
    .option('--to <digest>', 'which previous image (default: the newest)');
  addEngineOptions(command, host).action(async (unit: string, flags: RawEngineOptions & { to?: string }) => {
    const result = await rollbackByHand({
      ...engineOptions(flags, host, (line) => process.stderr.write(`${line}\n`)),
      unit: unit.includes('.') ? unit : `${unit}.service`,
      to: flags.to,
    });
    printReports(result.reports, flags.format);
    for (const err of result.errors) process.stderr.write(`ctrmon: ${err.message}\n`);
    process.exitCode = result.exitCode;
  });
}
