// `ctrmon inspect`: containers' state files as podman inspect prints containers, a JSON array
// (with the status ps shows), or a Go template of each, such as "{{.network.ports}}".
import type { Command } from 'commander';

import { CtrmonError } from '../errors';
import type { Host } from '../host/host';
import { listContainers } from '../state/listing';
import { inspectCommand } from './inspect-command';

export function registerInspect(program: Command, host: Host): void {
  program.addCommand(
    inspectCommand(host, {
      description: "show containers' state: source, runtime, network addresses and published ports, health, exit",
      argument: ['<name...>', 'container names'],
      dir: 'stateDir',
      example: '{{.network.addresses}}',
      inspect: (stateDir, name) => {
        const row = listContainers(stateDir).rows.find((r) => r.state.name === name);
        if (!row) throw new CtrmonError('ERR_STATE', `no such container ${name} in ${stateDir}`, { name, path: stateDir });
        return { ...row.state, status: row.status, monitorAlive: row.monitorAlive };
      },
    }),
  );
}
