// Quadlet-style .container files: [Container] keys become `ctrmon monitor` options; [Unit],
// [Service] and [Install] pass through into the generated unit. Which key sets which option is
// declared with the option (config/monitor-options.ts); the keys here are those that are not
// options: the name and the command. Image=, Pull=, Volume= and Network= have Quadlet's meaning;
// PublishPort= is refused (there are no bridged networks). An unknown key or a bad value is an error
// naming the file and line.
import * as path from 'node:path';

import {
  type FlagSpec,
  MONITOR_FLAGS,
  type MonitorOptions,
  type RawMonitorOptions,
  attributeOf,
  buildMonitorOptions,
} from '../config/monitor-options';
import { checkName } from '../config/parse';
import { CtrmonError, errorMessage } from '../errors';
import type { Host } from '../host/host';
import { type Entries, renderUnit } from './unit-generator';
import { type UnitEntry, parseUnitFile, splitWords, unitError } from './unit-file';

export interface GeneratedUnit {
  /** <basename>.service */
  unitName: string;
  text: string;
  options: MonitorOptions;
  /** [Install] entries, which a generator turns into .wants/.requires symlinks and aliases. */
  install: Entries;
}

const PASSTHROUGH = new Set(['Unit', 'Service', 'Install']);

interface Draft {
  name: string;
  command: string[];
  raw: Record<string, string[]>;
}

type Handler = (draft: Draft, entry: UnitEntry, file: string) => void;

const words = (entry: UnitEntry, file: string) => splitWords(entry.value, () => `${file}:${entry.line}: ${entry.key}=`);

/** Runs parse; its error becomes one naming the file, line and key (a list key's message names the bad item). */
function checked<T>(file: string, entry: UnitEntry, parse: () => T, list = false): T {
  try {
    return parse();
  } catch (err) {
    const problem = errorMessage(err).replace(/^\S+ "[^"]*": /, '');
    throw unitError(file, entry.line, `${entry.key}=${list ? '' : entry.value}: ${problem}`);
  }
}

function fromFlag(flag: FlagSpec, toValues: ((value: string, ctx: { file: string; words: () => string[] }) => string[]) | null): Handler {
  return (d, e, f) => {
    const values = checked(
      f,
      e,
      () => (toValues ? toValues(e.value, { file: f, words: () => words(e, f) }) : flag.repeatable ? words(e, f) : [e.value]),
      flag.repeatable,
    );
    for (const v of values) checked(f, e, () => flag.check?.(v), flag.repeatable);
    const attr = attributeOf(flag.flag);
    d.raw[attr] = flag.repeatable ? [...(d.raw[attr] ?? []), ...values] : values;
  };
}

const KEYS: Record<string, Handler> = {
  ContainerName: (d, e, f) => (d.name = checked(f, e, () => checkName(e.value))),
  Exec: (d, e, f) => (d.command = words(e, f)),
};
for (const flag of MONITOR_FLAGS) {
  for (const [key, toValues] of Object.entries(flag.containerKeys ?? {})) KEYS[key] = fromFlag(flag, toValues);
}

/** An entry of a .container file or of one of its drop-ins, with the file it is in. */
export interface SourcedEntry extends UnitEntry {
  file: string;
}

/** Turns one .container file into its unit for host. */
export function containerToUnit(file: string, text: string, header: string, host: Host, command?: string[]): GeneratedUnit {
  return mergedContainerToUnit(
    file,
    parseUnitFile(text, file).map((entry) => ({ ...entry, file })),
    header,
    host,
    command,
  );
}

/** The same for entries already merged from the file and its drop-ins (generator.ts): messages name each entry's own file. */
export function mergedContainerToUnit(
  file: string,
  entries: readonly SourcedEntry[],
  header: string,
  host: Host,
  command?: string[],
): GeneratedUnit {
  const base = path.basename(file).replace(/\.container$/, '');
  const draft: Draft = { name: base, command: [], raw: {} };
  const passthrough: Record<string, Entries> = { Unit: [], Service: [], Install: [] };
  let sawContainer = false;
  for (const entry of entries) {
    if (entry.section === 'Container') {
      sawContainer = true;
      const handler = KEYS[entry.key];
      if (!handler)
        throw unitError(
          entry.file,
          entry.line,
          `unsupported key ${entry.key}= in [Container] (supported: ${Object.keys(KEYS).join(', ')})`,
        );
      handler(draft, entry, entry.file);
    } else if (PASSTHROUGH.has(entry.section)) {
      passthrough[entry.section].push([entry.key, entry.value]);
    } else {
      throw unitError(entry.file, entry.line, `unknown section [${entry.section}]`);
    }
  }
  if (!sawContainer) throw unitError(file, null, 'no [Container] section');
  if (!draft.raw.bundle && !draft.raw.image) {
    throw unitError(file, null, '[Container] needs Bundle= (an OCI bundle directory) or Image= (an image reference)');
  }
  let options: MonitorOptions;
  try {
    options = buildMonitorOptions(draft.name, draft.command, draft.raw as RawMonitorOptions, host);
  } catch (err) {
    throw unitError(file, null, errorMessage(err));
  }
  const unitName = `${base}.service`;
  // '@': a template (name@.service) or one of its instances (name@instance.service).
  if (!/^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]*)?\.service$/.test(unitName))
    throw new CtrmonError('ERR_UNIT_FILE', `${file}: "${base}" cannot name a unit`, { path: file });
  const unitText = renderUnit(options, host, { restart: 'on-failure', sourcePath: file, extra: passthrough, header }, command);
  return { unitName, text: unitText, options, install: passthrough.Install };
}
