// How every command reports a failure: one "ctrmon: <message>" line on stderr, and the exit
// code that goes with it (125 for usage errors and ctrmon's own failures, like podman).
import { CommanderError } from 'commander';

import { CtrmonError, EXIT_CTRMON_ERROR } from '../errors';

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_CTRMON_ERROR;
  if (err instanceof CtrmonError) {
    process.stderr.write(`ctrmon: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(`ctrmon: ${err instanceof Error ? err.stack : String(err)}\n`);
  return EXIT_CTRMON_ERROR;
}
