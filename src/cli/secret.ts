// `ctrmon secret create|ls|inspect|rm`: the secrets that --secret gives a container, kept readable
// by their owner only, as podman's `secret` commands print them.
import { readFileSync } from 'node:fs';

import type { Command } from 'commander';

import { CtrmonError, errorMessage } from '../errors';
import type { Host } from '../host/host';
import { createSecret, inspectSecret, listSecrets, removeSecret } from '../secret/store';
import { pathOption } from './flag-option';
import { inspectCommand } from './inspect-command';
import { printRows } from './image-format';
import { age } from './images';

function readData(file: string): Buffer {
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (err) {
    throw new CtrmonError(
      'ERR_SECRET',
      `cannot read ${file === '-' ? 'stdin' : file}: ${errorMessage(err)}`,
      { path: file },
      { cause: err },
    );
  }
}

export function registerSecret(program: Command, host: Host): void {
  const secret = program.command('secret').description('manage secrets');
  secret
    .command('create')
    .description("store a secret: the file's content, or stdin's with -")
    .argument('<name>', "the secret's name")
    .argument('<file>', 'the file holding it, or - for stdin')
    .addOption(pathOption('secretsDir', host))
    .action((name: string, file: string, opts: { secretsDir: string }) => {
      process.stdout.write(`${createSecret(opts.secretsDir, name, readData(file)).ID}\n`);
    });
  secret
    .command('ls')
    .description('list the secrets (never their data)')
    .addOption(pathOption('secretsDir', host))
    .option('--format <format>', 'table, json, or a Go template such as "{{.Name}} {{.ID}}"')
    .option('-q, --quiet', 'print only the IDs')
    .action((opts: { secretsDir: string; format?: string; quiet?: boolean }) => {
      const rows = listSecrets(opts.secretsDir);
      if (opts.quiet) process.stdout.write(rows.map((r) => `${r.ID}\n`).join(''));
      else
        printRows(rows as unknown as Record<string, unknown>[], opts.format, {
          header: ['ID', 'NAME', 'DRIVER', 'CREATED', 'UPDATED'],
          row: (r) => [String(r.ID), String(r.Name), String(r.Driver), age(String(r.CreatedAt)), age(String(r.UpdatedAt))],
        });
    });
  secret.addCommand(
    inspectCommand(host, {
      description: 'show secrets as podman does, a JSON array (never their data)',
      argument: ['<name...>', 'names or IDs'],
      dir: 'secretsDir',
      example: '{{.Spec.Name}}',
      inspect: inspectSecret,
    }),
  );
  secret
    .command('rm')
    .description('remove secrets (a running container keeps its copy)')
    .argument('<name...>', 'names or IDs')
    .addOption(pathOption('secretsDir', host))
    .action((names: string[], opts: { secretsDir: string }) => {
      for (const n of names) process.stdout.write(`${removeSecret(opts.secretsDir, n).ID}\n`);
    });
}
