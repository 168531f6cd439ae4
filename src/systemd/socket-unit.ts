// The .socket unit that activates a ctrmon service (socket activation): systemd listens, and the
// first connection starts <name>.service, whose monitor hands the listening sockets to the
// container. Accept=no only: the container's server accepts, on the sockets it was given; a
// per-connection service (Accept=yes) would need one container per connection.
import { CtrmonError } from '../errors';
import { parseUnitFile, unitError } from './unit-file';

const DIRECTIVE = /^([A-Z][A-Za-z0-9]*)=(.+)$/;

/** `--socket KEY=VALUE` values as [Socket] entries; ERR_INVALID_OPTION naming the bad one. */
export function socketDirectives(values: readonly string[]): [string, string][] {
  const entries = values.map((v): [string, string] => {
    const m = DIRECTIVE.exec(v.trim());
    if (!m) throw new CtrmonError('ERR_INVALID_OPTION', `--socket "${v}": expected a [Socket] setting such as ListenStream=127.0.0.1:8080`);
    return [m[1], m[2]];
  });
  checkSocketEntries(entries, (problem) => new CtrmonError('ERR_INVALID_OPTION', `--socket: ${problem}`));
  return entries;
}

function checkSocketEntries(entries: readonly [string, string][], fail: (problem: string) => Error): void {
  if (!entries.some(([k]) => k.startsWith('Listen')))
    throw fail('a socket unit needs a Listen...= setting (ListenStream=, ListenDatagram=, ...)');
  const accept = entries.find(([k]) => k === 'Accept');
  if (accept && !/^(no|false|0|off)$/i.test(accept[1])) {
    throw fail(`Accept=${accept[1]} is not supported: the container's server accepts on the listening socket (Accept=no)`);
  }
}

export function renderSocketUnit(serviceName: string, entries: readonly [string, string][], header: string): string {
  return `# ${header}
[Unit]
Description=socket of ${serviceName}

[Socket]
${entries.map(([k, v]) => `${k}=${v}`).join('\n')}

[Install]
WantedBy=sockets.target
`;
}

/** A .socket file written beside a .container file: checked as ctrmon can serve it; its [Install] entries. */
export function checkSocketFile(file: string, text: string): [string, string][] {
  const entries = parseUnitFile(text, file);
  checkSocketEntries(
    entries.filter((e) => e.section === 'Socket').map((e) => [e.key, e.value]),
    (problem) => unitError(file, null, problem),
  );
  return entries.filter((e) => e.section === 'Install').map((e) => [e.key, e.value]);
}
