// `ctrmon inspect`: containers' state files as podman inspect prints containers, a JSON array
// (with the status ps shows), or a Go template of each, such as "{{.network.ports}}".
import type { Command } from 'commander';

import { CtrmonError } from '../errors';
import { renderTemplate } from '../format/go-template';
import type { Host } from '../host/host';
import { listContainers } from '../state/listing';
import { pathOption } from './flag-option';

export function registerInspect(program: Command, host: Host): void {
  program
    .command('inspect')
    .description("show containers' state: source, runtime, network addresses and published ports, health, exit")
    .argument('<name...>', 'container names')
    .addOption(pathOption('stateDir', host))
    .option('--format <format>', 'json (the default) or a Go template such as "{{.network.addresses}}"')
    .action((names: string[], opts: { stateDir: string; format?: string }) => {
      const { rows } = listContainers(opts.stateDir);
      const docs = names.map((name) => {
        const row = rows.find((r) => r.state.name === name);
        if (!row) throw new CtrmonError('ERR_STATE', `no such container ${name} in ${opts.stateDir}`, { name, path: opts.stateDir });
        return { ...row.state, status: row.status, monitorAlive: row.monitorAlive };
      });
      if (opts.format && opts.format !== 'json') process.stdout.write(renderTemplate(opts.format, docs));
      else process.stdout.write(`${JSON.stringify(docs, null, 2)}\n`);
    });
}
