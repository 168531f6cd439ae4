// `ctrmon demo`: run the built-in demo container and show what systemd would see.
import type { Command } from 'commander';
import * as path from 'node:path';

import { MONITOR_OPTIONS } from '../config/monitor-options';
import { packagePath } from '../package-root';
import { resolveRuntime } from '../runtime/resolve';
import { loadHarness } from './harness';

const RUNTIME = MONITOR_OPTIONS.runtime.flags[0];

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      "run the built-in busybox demo container under ctrmon monitor, with a stand-in for systemd's notify socket " +
        'or (--systemd) as a real service',
    )
    .option(`${RUNTIME.flag} ${RUNTIME.arg}`, RUNTIME.help)
    .option('--work-dir <dir>', 'where the demo bundle and state go', packagePath('.cache', 'demo'))
    .option('--exit-code <n>', 'the exit status the demo application ends with', '3')
    .option('--systemd', "run it as a service of a private systemd (the machine's own, in private namespaces; needs root)")
    .option('--image', 'with --systemd: run it from an image pushed to a registry on loopback and pulled with ctrmon pull')
    .option('--update', 'with --systemd (implied): ctrmon auto-update to a new image, then roll back one that crashes')
    .option('--ports', 'with --systemd (implied): two .container services that both serve 8080 inside, published on two host ports')
    .action(
      async (opts: {
        runtime?: string;
        workDir: string;
        exitCode: string;
        systemd?: boolean;
        image?: boolean;
        update?: boolean;
        ports?: boolean;
      }) => {
        const options = {
          workDir: path.resolve(opts.workDir),
          // Resolved here, on the host: the systemd demo's monitor runs where crun may look usable but is not.
          runtime: resolveRuntime(opts.runtime).path,
          exitCode: Number(opts.exitCode),
          fromImage: opts.image === true,
          print: (line: string) => process.stdout.write(`${line}\n`),
        };
        const demo = loadHarness('ctrmon-demo.js');
        if (opts.update) process.exitCode = await demo.runUpdateDemo(options);
        else if (opts.ports) process.exitCode = await demo.runPortsDemo(options);
        else process.exitCode = opts.systemd ? await demo.runSystemdDemo(options) : await demo.runDemo(options);
      },
    );
}
