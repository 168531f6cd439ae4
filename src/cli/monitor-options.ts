// The options of `ctrmon monitor` on a commander command, from their one declaration
// (config/monitor-options.ts). `ctrmon generate systemd` takes the same ones and writes them into
// the unit's ExecStart.
import { type Command, Option } from 'commander';

import { MONITOR_FLAGS } from '../config/monitor-options';

const collect = (value: string, previous: string[]) => [...previous, value];

export function addMonitorOptions(command: Command): Command {
  for (const spec of MONITOR_FLAGS) {
    const option = new Option(`${spec.short ? `${spec.short}, ` : ''}${spec.flag} ${spec.arg}`, spec.help);
    if (spec.choices) option.choices(spec.choices);
    if (spec.repeatable) option.argParser(collect).default([]);
    else if (spec.default !== undefined) option.default(spec.default);
    command.addOption(option);
  }
  return command;
}
