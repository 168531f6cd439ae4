// The ctrmon command line: one file per command, each only parsing and printing.
import { registerBench } from './bench';
import { registerDemo } from './demo';
import { registerGenerate } from './generate';
import { registerMonitor } from './monitor';
import { createProgram, runProgram } from './program';
import { registerPs } from './ps';

export function main(argv: string[]): Promise<void> {
  return runProgram(createProgram([registerMonitor, registerPs, registerGenerate, registerDemo, registerBench]), argv);
}
