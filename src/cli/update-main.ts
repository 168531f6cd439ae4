// Entry of `ctrmon auto-update` and `ctrmon rollback` alone: a timer runs them on every board every
// day, so they load only the engine and what it needs (bin/ctrmon.js picks this entry for them),
// not the whole command line with its benchmark and demo.
import { registerAutoUpdate } from './auto-update';
import { createProgram, runProgram } from './program';
import { registerRollback } from './rollback';

export function main(argv: string[]): Promise<void> {
  return runProgram(createProgram([registerAutoUpdate, registerRollback]), argv);
}
