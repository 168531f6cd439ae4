// `ctrmon exec [--state-dir DIR] <name> <command...>`: runs a command in a monitored container.
import type { Command } from 'commander';

import type { Host } from '../host/host';
import { execInContainer } from '../runtime/container-exec';
import { pathOption } from './flag-option';

export function registerExec(program: Command, host: Host): void {
  program
    .command('exec')
    .description("run a command in a running container, through its monitor's runtime; exits with the command's code")
    .argument('<name>', 'the container')
    .argument('<command...>', 'the command and its arguments')
    .addOption(pathOption('stateDir', host))
    .passThroughOptions()
    .action(async (name: string, command: string[], opts: { stateDir: string }) => {
      process.exitCode = await execInContainer(opts.stateDir, name, command);
    });
}
