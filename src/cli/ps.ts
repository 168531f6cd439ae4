// `ctrmon ps`: the containers ctrmon monitors or monitored, from their state files.
import { type Command, Option } from 'commander';

import type { Host } from '../host/host';
import { formatMapping } from '../network/ports';
import { listContainers } from '../state/listing';
import { pathOption } from './flag-option';

function age(iso: string | null): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

export function registerPs(program: Command, host: Host): void {
  program
    .command('ps')
    .description('list containers from their state files')
    .addOption(pathOption('stateDir', host))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action((opts: { stateDir: string; format: 'table' | 'json' }) => {
      const { rows, errors } = listContainers(opts.stateDir);
      // A file that cannot be read is one line on stderr and a non-zero exit, in either format.
      for (const err of errors) process.stderr.write(`ctrmon: ${err.message}\n`);
      if (errors.length) process.exitCode = 1;
      if (opts.format === 'json') {
        process.stdout.write(
          `${JSON.stringify(
            rows.map((r) => ({ ...r.state, status: r.status, monitorAlive: r.monitorAlive })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      const table = [
        ['NAME', 'STATUS', 'MONITOR', 'CONTAINER', 'RUNTIME', 'SDNOTIFY', 'UNIT', 'CREATED', 'PORTS', 'BUNDLE'],
        ...rows.map(({ state, status }) => [
          state.name,
          status,
          String(state.monitorPid),
          state.containerPid === null ? '-' : String(state.containerPid),
          state.runtime.name || '-',
          state.sdnotify,
          state.unit ?? '-',
          `${age(state.timestamps.created)} ago`,
          state.network?.ports.length ? state.network.ports.map(formatMapping).join(',') : '-',
          state.bundle,
        ]),
      ];
      const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
      for (const row of table) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
    });
}
