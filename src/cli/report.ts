// How every command reports a failure: one "ctrmon: <message>" line on stderr, and the exit
// code that goes with it (125 for usage errors and ctrmon's own failures, like podman). Anything
// that is not a CtrmonError is an internal error. No stack here: the monitor logs one, as JSON, at
// --log-level debug.
import { CommanderError } from 'commander';

import { EXIT_CTRMON_ERROR, asCtrmonError } from '../errors';

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_CTRMON_ERROR;
  const error = asCtrmonError(err);
  process.stderr.write(`ctrmon: ${error.message}\n`);
  return error.exitCode;
}
