// `ctrmon demo`: run the built-in demo container and show what systemd would see.
import { Command } from 'commander';
import * as path from 'node:path';

import { packagePath } from '../package-root';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the built-in busybox demo container under ctrmon monitor, with a stand-in for systemd\'s notify socket')
    .option('--runtime <name|path>', 'OCI runtime', 'runc')
    .option('--work-dir <dir>', 'where the demo bundle and state go', packagePath('.cache', 'demo'))
    .option('--exit-code <n>', 'the exit status the demo application ends with', '3')
    .action(async (opts: { runtime: string; workDir: string; exitCode: string }) => {
      const { runDemo } = await import('../demo/run-demo');
      process.exitCode = await runDemo({
        workDir: path.resolve(opts.workDir),
        runtime: opts.runtime,
        exitCode: Number(opts.exitCode),
        print: (line) => process.stdout.write(`${line}\n`),
      });
    });
}
