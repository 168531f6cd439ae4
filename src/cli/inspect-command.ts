// The `inspect` commands (containers, images, volumes, networks, secrets), built one way: names in,
// podman's JSON array out (4-space indent), or a Go template per document with --format.
import { Command } from 'commander';

import { renderTemplate } from '../format/go-template';
import type { HostPathName } from '../host/flags';
import type { Host } from '../host/host';
import { pathOption } from './flag-option';

export interface InspectSpec {
  description: string;
  /** The argument's name and help: '<name...>', 'volume names'. */
  argument: [string, string];
  /** The directory (a host path flag) the documents are read from. */
  dir: HostPathName;
  /** A template for the help, such as "{{.Mountpoint}}". */
  example: string;
  inspect(dir: string, name: string): unknown | Promise<unknown>;
}

export function inspectCommand(host: Host, spec: InspectSpec): Command {
  const dirOption = pathOption(spec.dir, host);
  const attribute = dirOption.attributeName();
  return new Command('inspect')
    .description(spec.description)
    .argument(...spec.argument)
    .addOption(dirOption)
    .option('--format <format>', `json (the default) or a Go template such as "${spec.example}"`)
    .action(async (names: string[], opts: Record<string, string | undefined>) => {
      const docs: unknown[] = [];
      for (const name of names) docs.push(await spec.inspect(opts[attribute]!, name));
      if (opts.format && opts.format !== 'json') process.stdout.write(renderTemplate(opts.format, docs));
      else process.stdout.write(`${JSON.stringify(docs, null, 4)}\n`);
    });
}
