// The options of `ctrmon monitor` on a commander command, from their one declaration
// (config/monitor-options.ts), with the host's defaults. `ctrmon generate systemd` takes the same
// ones and writes them into the unit's ExecStart.
import type { Command } from 'commander';

import { MONITOR_FLAGS } from '../config/monitor-options';
import type { Host } from '../host/host';
import { flagOption } from './flag-option';

export function addMonitorOptions(command: Command, host: Host): Command {
  for (const spec of MONITOR_FLAGS) command.addOption(flagOption(spec, host));
  return command;
}
