// Quadlet-style .container files: [Container] keys become `ctrmon monitor` options; [Unit],
// [Service] and [Install] pass through into the generated unit. The keys are podman Quadlet's
// where they apply, plus ctrmon's own Bundle=, Runtime= and RuntimeArgs=. An unknown key or a bad
// value is an error naming the file and line.
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';
import { LOG_DRIVERS } from '../logs/driver';
import { MonitorOptions, RawMonitorOptions, buildMonitorOptions, checkName, parseDuration, parseSignal } from '../monitor/options';
import { Entries, renderUnit } from './unit-generator';
import { UnitEntry, parseUnitFile, splitWords, unitError } from './unit-file';

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
  raw: RawMonitorOptions & { env: string[]; label: string[]; runtimeArg: string[] };
}

type Handler = (draft: Draft, value: string, entry: UnitEntry, file: string) => void;

const words = (value: string, entry: UnitEntry, file: string) => splitWords(value, () => `${file}:${entry.line}: ${entry.key}=`);

function checked<T>(file: string, entry: UnitEntry, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw unitError(file, entry.line, `${entry.key}=${entry.value}: ${errorMessage(err).replace(/^\S+ "[^"]*": /, '')}`);
  }
}

function keyValues(list: string[], entry: UnitEntry, file: string): string[] {
  for (const item of list) {
    if (!/^[^=\s]+=/.test(item)) throw unitError(file, entry.line, `${entry.key}=: "${item}" is not KEY=VALUE`);
  }
  return list;
}

type DurationField = 'healthInterval' | 'healthTimeout' | 'healthStartPeriod' | 'stopTimeout';

/** A key whose value is a duration: checked here (with the line) and kept as written. */
const duration = (field: DurationField): Handler => (d, v, e, f) => {
  checked(f, e, () => parseDuration(e.key, v));
  d.raw[field] = v;
};

const NOTIFY: Record<string, MonitorOptions['sdnotify']> = { true: 'container', false: 'conmon', healthy: 'healthy' };

const KEYS: Record<string, Handler> = {
  ContainerName: (d, v, e, f) => (d.name = checked(f, e, () => checkName(v))),
  Bundle: (d, v, _e, f) => (d.raw.bundle = path.resolve(path.dirname(f), v)),
  Image: (_d, _v, e, f) => {
    throw unitError(f, e.line, 'Image= needs an image store, which this version of ctrmon does not have yet; use Bundle= with an OCI bundle');
  },
  Exec: (d, v, e, f) => (d.command = words(v, e, f)),
  Environment: (d, v, e, f) => d.raw.env.push(...keyValues(words(v, e, f), e, f)),
  Label: (d, v, e, f) => d.raw.label.push(...keyValues(words(v, e, f), e, f)),
  Notify: (d, v, e, f) => {
    const mode = NOTIFY[v];
    if (!mode) throw unitError(f, e.line, `Notify=${v}: expected true, false or healthy`);
    d.raw.sdnotify = mode;
  },
  HealthCmd: (d, v) => (d.raw.healthCmd = v),
  HealthInterval: duration('healthInterval'),
  HealthTimeout: duration('healthTimeout'),
  HealthStartPeriod: duration('healthStartPeriod'),
  HealthRetries: (d, v, e, f) => {
    if (!/^[1-9]\d*$/.test(v)) throw unitError(f, e.line, `HealthRetries=${v}: expected a whole number of at least 1`);
    d.raw.healthRetries = v;
  },
  StopSignal: (d, v, e, f) => (d.raw.stopSignal = checked(f, e, () => parseSignal(e.key, v))),
  StopTimeout: duration('stopTimeout'),
  AutoUpdate: (d, v, e, f) => {
    if (v !== 'registry' && v !== 'local') throw unitError(f, e.line, `AutoUpdate=${v}: expected registry or local`);
    d.raw.label.push(`io.containers.autoupdate=${v}`);
  },
  LogDriver: (d, v, e, f) => {
    if (!(LOG_DRIVERS as readonly string[]).includes(v)) throw unitError(f, e.line, `LogDriver=${v}: expected one of ${LOG_DRIVERS.join(', ')}`);
    d.raw.logDriver = v;
  },
  Runtime: (d, v) => (d.raw.runtime = v),
  RuntimeArgs: (d, v, e, f) => d.raw.runtimeArg.push(...words(v, e, f)),
};

/** Turns one .container file into its unit. */
export function containerToUnit(file: string, text: string, header: string, command?: string[]): GeneratedUnit {
  const base = path.basename(file).replace(/\.container$/, '');
  const draft: Draft = { name: base, command: [], raw: { env: [], label: [], runtimeArg: [] } };
  const passthrough: Record<string, Entries> = { Unit: [], Service: [], Install: [] };
  let sawContainer = false;
  for (const entry of parseUnitFile(text, file)) {
    if (entry.section === 'Container') {
      sawContainer = true;
      const handler = KEYS[entry.key];
      if (!handler) throw unitError(file, entry.line, `unsupported key ${entry.key}= in [Container] (supported: ${Object.keys(KEYS).join(', ')})`);
      handler(draft, entry.value, entry, file);
    } else if (PASSTHROUGH.has(entry.section)) {
      passthrough[entry.section].push([entry.key, entry.value]);
    } else {
      throw unitError(file, entry.line, `unknown section [${entry.section}]`);
    }
  }
  if (!sawContainer) throw unitError(file, null, 'no [Container] section');
  if (!draft.raw.bundle) throw unitError(file, null, '[Container] needs Bundle= (the OCI bundle directory to run)');
  let options: MonitorOptions;
  try {
    options = buildMonitorOptions(draft.name, draft.command, draft.raw);
  } catch (err) {
    throw unitError(file, null, errorMessage(err));
  }
  const unitName = `${base}.service`;
  if (!/^[A-Za-z0-9:_.\\-]+\.service$/.test(unitName)) throw new CtrmonError('ERR_UNIT_FILE', `${file}: "${base}" cannot name a unit`, { path: file });
  const unitText = renderUnit(options, { restart: 'on-failure', sourcePath: file, extra: passthrough, header }, command);
  return { unitName, text: unitText, options, install: passthrough.Install };
}
