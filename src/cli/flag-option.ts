// A declared flag (config/monitor-options.ts, host/flags.ts) as a commander option, its default the
// one it has on this host.
import { Option } from 'commander';

import type { FlagSpec } from '../config/monitor-options';
import { HOST_PATH_FLAGS, type HostPathName, flagDefault } from '../host/flags';
import type { Host } from '../host/host';

const collect = (value: string, previous: string[]) => [...previous, value];

export function flagOption(spec: FlagSpec, host: Host): Option {
  const option = new Option(`${spec.short ? `${spec.short}, ` : ''}${spec.flag}${spec.arg ? ` ${spec.arg}` : ''}`, spec.help);
  if (spec.choices) option.choices(spec.choices);
  const fallback = flagDefault(spec, host);
  if (spec.repeatable) option.argParser(collect).default([]);
  else if (fallback !== undefined) option.default(fallback);
  return option;
}

/** A host path flag (--root, --state-dir, --volumes-dir ...), defaulting to the host's path. */
export function pathOption(name: HostPathName, host: Host): Option {
  return flagOption(HOST_PATH_FLAGS[name], host);
}
