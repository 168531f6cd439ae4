// Quadlet-style .container files (podman-systemd.unit(5)): [Container] keys become `ctrmon monitor`
// options; [Unit], [Service] and [Install] pass into the generated unit, translated as Quadlet does.
// Which key sets which option is declared with the option (config/monitor-options.ts); the keys here
// are those that are not options (the name and the command), and refused-container-keys.ts has the
// podman keys ctrmon refuses, with why. A value keeps its specifiers for systemd (specifiers.ts); a
// single value loses one pair of quotes around it, a list value is split into words with systemd's
// quotes and escapes. [Unit] dependencies on Quadlet files name their units; [Service] settings
// replace ctrmon's own (unit-generator.ts); [Install] is checked before anything is made of it. Every
// error names the file, the line and the key, and the file then gives no unit at all.
import * as path from 'node:path';

import {
  type ContainerKeyContext,
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
import { READINESS } from '../notify/readiness';
import { installEntries, refuseExecStart, unitEntries } from './quadlet-sections';
import { type ResourceUnit, resourceKindOf } from './quadlet-resources';
import { REFUSED_CONTAINER_KEYS } from './refused-container-keys';
import { SpecifierMarkers } from './specifiers';
import { type Entries, renderUnit } from './unit-generator';
import { type UnitEntry, parseUnitFile, splitWords, unitError, unquoteValue } from './unit-file';

export interface GeneratedUnit {
  /** <basename>.service */
  unitName: string;
  text: string;
  options: MonitorOptions;
  /** [Install] entries, checked, one unit name per entry: the generator turns them into .wants/.requires/.upholds links and aliases. */
  install: Entries;
}

export interface QuadletContext {
  /** The base names of the Quadlet files in the search directories (db.container, data.volume ...), which [Unit] dependencies may name. */
  known?: ReadonlySet<string>;
  /** Where warnings go (an invalid escape, left out); default: stderr. */
  warn?: (message: string) => void;
  /** The unit of the .volume, .image or .network file of that name (data.volume) a [Container] value names; null when there is none. */
  resource?: (name: string) => ResourceUnit | null;
}

const PASSTHROUGH = new Set(['Unit', 'Service', 'Install']);

/** The [Service] Type= that replaces ctrmon's own: the container runs to completion, nobody says READY. */
const ONESHOT = 'oneshot';
/** KillMode= values that keep the monitor's stop working (podman allows the same two). */
const KILL_MODES = new Set(['mixed', 'control-group']);

interface Draft {
  name: string;
  command: string[];
  raw: Record<string, string[]>;
}

/** One file's translation: where values are read and how problems are reported. */
interface Reader {
  markers: SpecifierMarkers;
  /** What the .volume, .image or .network file a value names stands for (its volume's name, its image ...); its unit becomes a dependency. */
  quadlet: (name: string) => string;
  warn: (message: string) => void;
}

type Handler = (draft: Draft, entry: UnitEntry, reader: Reader) => void;

const where = (entry: UnitEntry) => () => `${entry.file}:${entry.line}: ${entry.key}=`;
const words = (entry: UnitEntry, reader: Reader) => splitWords(entry.value, where(entry), reader.warn);

/** Runs parse; its error becomes one naming the file, line and key (a list key's message names the bad item). */
function checked<T>(entry: UnitEntry, reader: Reader, parse: () => T, list = false): T {
  try {
    return parse();
  } catch (err) {
    const problem = errorMessage(err).replace(/^\S+ "[^"]*": /, '');
    throw unitError(entry.file, entry.line, reader.markers.reveal(`${entry.key}=${list ? '' : entry.value}: ${problem}`));
  }
}

function fromFlag(flag: FlagSpec, toValues: ((value: string, ctx: ContainerKeyContext) => string[]) | null): Handler {
  return (d, e, reader) => {
    const attr = attributeOf(flag.flag);
    // An empty assignment resets a list key, as in systemd.
    if (flag.repeatable && e.value === '') {
      d.raw[attr] = [];
      return;
    }
    const value = unquoteValue(e.value);
    const values = checked(
      e,
      reader,
      () =>
        toValues
          ? toValues(value, { file: e.file, words: () => words(e, reader), quadlet: reader.quadlet })
          : flag.repeatable
            ? words(e, reader)
            : [value],
      flag.repeatable,
    );
    for (const v of values) checked(e, reader, () => flag.check?.(v), flag.repeatable);
    d.raw[attr] = flag.repeatable ? [...(d.raw[attr] ?? []), ...values] : values;
  };
}

const KEYS: Record<string, Handler> = {
  ContainerName: (d, e, reader) => (d.name = checked(e, reader, () => checkName(unquoteValue(e.value)))),
  Exec: (d, e, reader) => (d.command = words(e, reader)),
};
for (const flag of MONITOR_FLAGS) {
  for (const [key, toValues] of Object.entries(flag.containerKeys ?? {})) KEYS[key] = fromFlag(flag, toValues);
}

/** Checks the [Service] settings that would break the monitor; returns the user's Type=, if any. */
function checkService(entries: UnitEntry[]): UnitEntry | undefined {
  refuseExecStart(entries, "(the monitor): the container's command is Exec= in [Container]");
  for (const e of entries) {
    if (e.key === 'KillMode' && !KILL_MODES.has(e.value)) {
      throw unitError(
        e.file,
        e.line,
        `KillMode=${e.value}: the monitor stops the container itself; use mixed (the default) or control-group`,
      );
    }
  }
  return entries.filter((e) => e.key === 'Type').at(-1);
}

/** The entries of a .container file (or its text), read in order: a later assignment of a key wins, a list key accumulates. */
function entriesOf(file: string, source: string | UnitEntry[]): UnitEntry[] {
  return typeof source === 'string' ? parseUnitFile(source, file) : source;
}

/**
 * Turns one .container file into its unit for host. source is the file's text, or its entries with
 * those of its drop-ins after them; command is node and ctrmon as ExecStart names them (default:
 * this installation's).
 */
export function containerToUnit(
  file: string,
  source: string | UnitEntry[],
  header: string,
  host: Host,
  command?: string[],
  context: QuadletContext = {},
): GeneratedUnit {
  const entries = entriesOf(file, source);
  const warn = context.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  const markers = new SpecifierMarkers(entries.map((e) => e.value).join('\n'));
  // The units of the .volume, .image and .network files it names, by file name.
  const resources = new Map<string, string>();
  const reader: Reader = {
    markers,
    warn,
    quadlet: (name) => markers.hide(resourceFor(name, resources, context), () => name),
  };
  const base = path.basename(file).replace(/\.container$/, '');
  const draft: Draft = { name: base, command: [], raw: {} };
  const sections: Record<string, UnitEntry[]> = { Unit: [], Service: [], Install: [] };
  const hidden: { entry: UnitEntry; markers: string[] }[] = [];
  let sawContainer = false;
  for (const entry of entries) {
    if (entry.section === 'Container') {
      sawContainer = true;
      const refused = REFUSED_CONTAINER_KEYS[entry.key];
      if (refused !== undefined) throw unitError(entry.file, entry.line, `${entry.key}= is not supported: ${refused}`);
      const handler = KEYS[entry.key];
      if (!handler)
        throw unitError(
          entry.file,
          entry.line,
          `unsupported key ${entry.key}= in [Container] (supported: ${Object.keys(KEYS).join(', ')})`,
        );
      const value = reader.markers.hide(entry.value, where(entry));
      hidden.push({ entry, markers: reader.markers.markersIn(value) });
      handler(draft, { ...entry, value }, reader);
    } else if (PASSTHROUGH.has(entry.section)) {
      sections[entry.section].push(entry);
    } else {
      throw unitError(entry.file, entry.line, `unknown section [${entry.section}]`);
    }
  }
  if (!sawContainer) throw unitError(file, null, 'no [Container] section');
  if (!draft.raw.bundle && !draft.raw.image) {
    throw unitError(file, null, '[Container] needs Bundle= (an OCI bundle directory) or Image= (an image reference)');
  }
  const type = checkService(sections.Service);
  // A oneshot container runs to completion: nobody says READY (podman passes no --sdnotify either).
  if (type?.value === ONESHOT) draft.raw.sdnotify = ['ignore'];
  let options: MonitorOptions;
  try {
    // A bare Environment=KEY stays bare: the monitor copies it from the unit's environment at start.
    options = buildMonitorOptions(draft.name, draft.command, draft.raw as RawMonitorOptions, host, null);
  } catch (err) {
    throw unitError(file, null, reader.markers.reveal(errorMessage(err)));
  }
  if (type && type.value !== ONESHOT && type.value !== READINESS[options.sdnotify].unitType) {
    const own = READINESS[options.sdnotify].unitType;
    throw unitError(
      type.file,
      type.line,
      `Type=${type.value}: the unit is Type=${own}, as the monitor needs it; only Type=${ONESHOT} may replace it`,
    );
  }
  const unitName = `${base}.service`;
  // '@': a template (name@.service) or one of its instances (name@instance.service).
  if (!/^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]*)?\.service$/.test(unitName))
    throw new CtrmonError('ERR_UNIT_FILE', `${file}: "${base}" cannot name a unit`, { path: file });
  const known = context.known ?? new Set<string>();
  // The units that make the volumes, images and network it names (data.volume) come first.
  const needs: Entries = [...new Set(resources.values())].flatMap(
    (u) =>
      [
        ['Requires', u],
        ['After', u],
      ] as Entries,
  );
  const unit: Entries = [...needs, ...unitEntries(sections.Unit, known)];
  const service: Entries = sections.Service.map((e) => [e.key, e.value]);
  const install = installEntries(sections.Install, reader.warn);
  const marked = renderUnit(
    options,
    host,
    { restart: 'on-failure', sourcePath: file, extra: { Unit: unit, Service: service, Install: install }, header },
    command,
  );
  // A check that rewrote a value (a path normalised past its specifier, a name upper-cased) lost it.
  for (const { entry, markers } of hidden) {
    if (markers.some((m) => !marked.includes(m))) {
      throw unitError(
        entry.file,
        entry.line,
        `${entry.key}=${entry.value}: a specifier cannot be used here (it would not reach the unit as written)`,
      );
    }
  }
  return { unitName, text: reader.markers.reveal(marked), options: revealed(options, reader.markers), install };
}

/** What the .volume, .image or .network file name stands for; its unit is added to resources. */
function resourceFor(name: string, resources: Map<string, string>, context: QuadletContext): string {
  if (resourceKindOf(name) === null) {
    const why =
      path.extname(name) === '.build' ? 'ctrmon does not build images' : 'only .volume, .image and .network files can be named here';
    throw new CtrmonError('ERR_INVALID_OPTION', `${name}: ${why}`);
  }
  const unit = context.resource?.(name);
  if (!unit) throw new CtrmonError('ERR_INVALID_OPTION', `${name}: there is no ${name} in the Quadlet search directories`);
  resources.set(name, unit.unitName);
  return unit.provides;
}

/** o with every string's markers turned back into specifiers. */
function revealed<T>(o: T, markers: SpecifierMarkers): T {
  if (typeof o === 'string') return markers.reveal(o) as T;
  if (Array.isArray(o)) return o.map((v) => revealed(v, markers)) as T;
  if (o !== null && typeof o === 'object') return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, revealed(v, markers)])) as T;
  return o;
}
