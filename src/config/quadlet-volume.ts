// Volume= and Mount= as Quadlet reads them in a .container file: a source that begins with . is
// relative to the file's directory; one that names a .volume file is that file's volume; an absolute
// one, a name, or one that begins with % (a specifier systemd expands in ExecStart, such as %h) passes
// as written to --volume or --mount.
import * as path from 'node:path';

/** Where the key was read (monitor-options.ts's ContainerKeyContext, which names these functions). */
interface KeyFile {
  file: string;
  quadlet: (name: string) => string;
}

function source(value: string, ctx: KeyFile): string {
  if (value.endsWith('.volume')) return ctx.quadlet(value);
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
