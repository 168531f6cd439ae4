// Volume= and Mount= as Quadlet reads them in a .container file: a source that begins with . is
// relative to the file's directory; an absolute one, a name, or one that begins with % (a specifier
// systemd expands in ExecStart, such as %h) passes as written to --volume or --mount.
import * as path from 'node:path';

import { CtrmonError } from '../errors';

/** Where the key was read (monitor-options.ts's ContainerKeyContext, which names these functions). */
interface KeyFile {
  file: string;
}

function source(value: string, ctx: KeyFile): string {
  if (value.endsWith('.volume')) {
    throw new CtrmonError(
      'ERR_INVALID_OPTION',
      `${value}: ctrmon does not read .volume units; name the volume instead (Volume=NAME:/path), which ctrmon makes on first use (ctrmon volume create sets its labels)`,
    );
  }
  return value.startsWith('.') ? path.resolve(path.dirname(ctx.file), value) : value;
}

export function quadletVolume(value: string, ctx: KeyFile): string[] {
  const colon = value.indexOf(':');
  return [colon < 0 ? value : `${source(value.slice(0, colon), ctx)}${value.slice(colon)}`];
}

export function quadletMount(value: string, ctx: KeyFile): string[] {
  return [
    value
      .split(',')
      .map((field) => field.replace(/^(source|src)=(.*)$/, (_m, key: string, v: string) => `${key}=${source(v, ctx)}`))
      .join(','),
  ];
}
