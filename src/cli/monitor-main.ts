// Entry of `ctrmon monitor` alone. The monitor lives as long as its container, one per
// container, so it loads only its own code (bin/ctrmon.js picks this entry for `monitor`).
import { registerMonitor } from './monitor';
import { createProgram, runProgram } from './program';

export function main(argv: string[]): Promise<void> {
  return runProgram(createProgram([registerMonitor]), argv);
}
