// The ctrmon command line: one file per command, each only parsing and printing. Usage errors
// exit with 125 (ctrmon's own error), like podman.
import { Command } from 'commander';
import { registerDemo } from './demo';
import { registerGenerate } from './generate';
import { registerMonitor } from './monitor';
import { registerPs } from './ps';
import { reportError } from './report';
import { version } from './version';

export function createProgram(): Command {
  const program = new Command('ctrmon')
    .description('Run an OCI container as a systemd service main PID and relay its sd_notify messages')
    .version(version())
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerMonitor(program);
  registerPs(program);
  registerGenerate(program);
  registerDemo(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err);
  }
}
