// `ctrmon monitor [options] <name> [command...]`
import type { Command } from 'commander';

import { createLogger, type Logger } from '../log';
import { type RawMonitorOptions, buildMonitorOptions } from '../config/monitor-options';
import type { Host } from '../host/host';
import { addMonitorOptions } from './monitor-options';
import { reportError } from './report';

export function registerMonitor(program: Command, host: Host): void {
  const command = program
    .command('monitor')
    .description("run one container as this process's child and exit with its exit code (a unit's ExecStart=)")
    .argument('<name>', 'container name (also the runtime container id)')
    .argument('[command...]', "replaces the bundle's process.args")
    .passThroughOptions();
  addMonitorOptions(command, host).action(async (name: string, args: string[], raw: RawMonitorOptions) => {
    let code: number;
    let log: Logger | undefined;
    try {
      const options = buildMonitorOptions(name, args, raw, host);
      log = createLogger(options.logLevel, { container: name });
      const { Monitor } = await import('../monitor/monitor');
      code = await new Monitor(options, log).run();
    } catch (err) {
      log?.debug({ err }, 'ctrmon failed'); // the stack and its causes, as one JSON line
      code = reportError(err);
    }
    // As a unit's main PID ctrmon must end now, whatever handle a library may still hold.
    process.exit(code);
  });
}
