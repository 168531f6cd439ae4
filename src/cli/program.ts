// The commander program and how every ctrmon entry point runs it: the host is described once, here,
// and given to every command; usage errors exit with 125 (ctrmon's own error), like podman.
import { Command } from 'commander';

import { type Host, describeHost } from '../host/host';
import { reportError } from './report';
import { version } from './version';

export function createProgram(register: Array<(program: Command, host: Host) => void>, host: Host = describeHost()): Command {
  const program = new Command('ctrmon')
    .description('Run an OCI container as a systemd service main PID and relay its sd_notify messages')
    .version(version())
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const r of register) r(program, host);
  return program;
}

export async function runProgram(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err);
  }
}
