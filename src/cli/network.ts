// `ctrmon network create|ls|inspect|rm|prune`: the bridge networks containers join with --network
// (or a .container's Network=), kept as podman keeps them and printed as podman prints them.
import type { Command } from 'commander';

import { parseLabels } from '../config/parse';
import { CtrmonError } from '../errors';
import type { Host } from '../host/host';
import { createLogger } from '../log';
import { networkUsers, pruneNetworks } from '../network/prune';
import { createNetwork, findNetwork, listNetworks, removeNetwork } from '../network/store';
import { pathOption } from './flag-option';
import { inspectCommand } from './inspect-command';
import { printRows } from './image-format';

const collect = (value: string, previous: string[]) => [...previous, value];

interface CreateFlags {
  networksDir: string;
  subnet: string[];
  gateway: string[];
  ipRange: string[];
  interfaceName?: string;
  internal?: boolean;
  disableDns?: boolean;
  ipv6?: boolean;
  driver: string;
  label: string[];
  opt: string[];
  ignore?: boolean;
}

export function registerNetwork(program: Command, host: Host): void {
  const network = program.command('network').description('manage bridge networks');
  network
    .command('create')
    .description("define a bridge network (podman's JSON, in the networks directory)")
    .argument('<name>', 'the network name')
    .addOption(pathOption('networksDir', host))
    .option('--subnet <cidr>', 'a subnet, IPv4 or IPv6 (default: the lowest free 10.89.N.0/24) (repeatable)', collect, [])
    .option(
      '--gateway <address>',
      "the gateway of the subnet given in the same place (default: the subnet's first address) (repeatable)",
      collect,
      [],
    )
    .option(
      '--ip-range <cidr>',
      'the part of the subnet given in the same place that containers get addresses from (repeatable)',
      collect,
      [],
    )
    .option('--interface-name <name>', 'the bridge (default: the lowest free podmanN)')
    .option('--internal', 'no route out of the network (no masquerading)')
    .option('--disable-dns', 'no aardvark-dns: containers do not find each other by name')
    .option('--ipv6', 'an IPv6 subnet too (a unique local /64 unless --subnet gives one)')
    .option('-d, --driver <driver>', 'bridge, the only driver', 'bridge')
    .option('--label <KEY=VALUE>', 'a label (repeatable)', collect, [])
    .option('-o, --opt <KEY=VALUE>', 'a netavark bridge option, such as mtu=1400 or isolate=true (repeatable)', collect, [])
    .option('--ignore', 'a network of that name already there is no error')
    .action((name: string, opts: CreateFlags) => {
      const created = createNetwork(
        opts.networksDir,
        {
          name,
          subnets: opts.subnet,
          gateways: opts.gateway,
          ipRanges: opts.ipRange,
          interfaceName: opts.interfaceName,
          internal: opts.internal === true,
          disableDns: opts.disableDns === true,
          ipv6: opts.ipv6 === true,
          driver: opts.driver,
          labels: parseLabels(opts.label),
          options: parseLabels(opts.opt, '--opt'),
        },
        opts.ignore === true,
      );
      process.stdout.write(`${created.name}\n`);
    });
  network
    .command('ls')
    .description('list the networks')
    .addOption(pathOption('networksDir', host))
    .option('--format <format>', 'table, json, or a Go template such as "{{.name}} {{.network_interface}}"')
    .option('-q, --quiet', 'print only the names')
    .action((opts: { networksDir: string; format?: string; quiet?: boolean }) => {
      const rows = listNetworks(opts.networksDir);
      if (opts.quiet) process.stdout.write(rows.map((r) => `${r.name}\n`).join(''));
      else
        printRows(rows as unknown as Record<string, unknown>[], opts.format, {
          header: ['NETWORK ID', 'NAME', 'DRIVER', 'SUBNETS'],
          row: (r) => [
            String(r.id).slice(0, 12),
            String(r.name),
            String(r.driver),
            (r.subnets as { subnet: string }[]).map((s) => s.subnet).join(','),
          ],
        });
    });
  network.addCommand(
    inspectCommand(host, {
      description: 'show networks as podman does: a JSON array of their definitions',
      argument: ['<name...>', 'network names'],
      dir: 'networksDir',
      example: '{{.network_interface}}',
      inspect: findNetwork,
    }),
  );
  network
    .command('rm')
    .description('remove network definitions (never one a running container is on)')
    .argument('<name...>', 'network names')
    .addOption(pathOption('networksDir', host))
    .addOption(pathOption('stateDir', host))
    .action((names: string[], opts: { networksDir: string; stateDir: string }) => {
      for (const n of names) {
        const users = networkUsers(opts.stateDir, n);
        if (users.length) throw new CtrmonError('ERR_NETWORK', `cannot remove network ${n}: in use by ${users.join(', ')}`, { name: n });
        removeNetwork(opts.networksDir, n);
        process.stdout.write(`${n}\n`);
      }
    });
  network
    .command('prune')
    .description('tear down what dead monitors left: their rules, veths, namespaces and addresses (definitions stay)')
    .addOption(pathOption('stateDir', host))
    .option('-f, --force', "podman's flag for not asking; ctrmon never asks")
    .action(async (opts: { stateDir: string }) => {
      const { containers, leases } = await pruneNetworks(opts.stateDir, createLogger('warn'));
      for (const c of containers) process.stdout.write(`${c}\n`);
      for (const l of leases) process.stderr.write(`released address ${l}\n`);
    });
}
