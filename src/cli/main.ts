// The ctrmon command line: one file per command, each only parsing and printing.
import type { Command } from 'commander';

import type { Host } from '../host/host';
import { registerAutoUpdate } from './auto-update';
import { registerBench } from './bench';
import { registerDemo } from './demo';
import { registerEvents } from './events';
import { registerExec } from './exec';
import { registerGenerate } from './generate';
import { registerMonitor } from './monitor';
import { createProgram, runProgram } from './program';
import { imageInspectCommand } from './image-inspect';
import { imagePruneCommand } from './image-prune';
import { imagesCommand } from './images';
import { loadCommand } from './load';
import { registerLogs } from './logs';
import { registerPs } from './ps';
import { registerPull } from './pull';
import { registerRollback } from './rollback';
import { rmiCommand } from './rmi';
import { saveCommand } from './save';
import { registerSecret } from './secret';
import { tagCommand } from './tag';
import { registerInspect } from './inspect';
import { registerNetwork } from './network';
import { registerVolume } from './volume';

/** podman's image commands, each at the top level and, as podman has them, under `ctrmon image`. */
function registerImages(program: Command, host: Host): void {
  for (const command of [imagesCommand('images', host), tagCommand(host), rmiCommand('rmi', host), loadCommand(host), saveCommand(host)])
    program.addCommand(command);
  const image = program.command('image').description('manage the image store');
  for (const command of [
    imagesCommand('ls', host),
    imageInspectCommand(host),
    imagePruneCommand(host),
    rmiCommand('rm', host),
    tagCommand(host),
  ])
    image.addCommand(command);
}

/** Every command of the full command line, in the order `ctrmon --help` lists them (the man-page test builds the program from it). */
export const REGISTER_COMMANDS: ReadonlyArray<(program: Command, host: Host) => void> = [
  registerMonitor,
  registerPs,
  registerInspect,
  registerLogs,
  registerExec,
  registerEvents,
  registerPull,
  registerImages,
  registerVolume,
  registerNetwork,
  registerSecret,
  registerGenerate,
  registerAutoUpdate,
  registerRollback,
  registerDemo,
  registerBench,
];

export function main(argv: string[]): Promise<void> {
  return runProgram(createProgram([...REGISTER_COMMANDS]), argv);
}
