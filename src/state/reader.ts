// Reads state files and checks them against the contract (types.ts): a file that is not valid
// JSON, or lacks a field or has one of the wrong type, is an ERR_STATE error naming the file and
// the field, so that no observer acts on half a state. Unknown fields are ignored.
import { existsSync, readFileSync, readdirSync } from 'node:fs';

import { CtrmonError, errorMessage } from '../errors';
import { describeHost } from '../host/host';
import { SDNOTIFY_MODES } from '../notify/readiness';
import { stateFile } from './paths';
import { type ContainerState, HEALTH_STATUSES, PHASES } from './types';

type Check = (value: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isInt: Check = (v) => Number.isInteger(v);
const orNull =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);
const oneOf =
  (allowed: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && allowed.includes(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const TOP: Record<string, Check> = {
  version: isInt,
  name: isString,
  monitorPid: isInt,
  monitorStartTime: orNull(isInt),
  containerPid: orNull(isInt),
  bundle: isString,
  sdnotify: oneOf(SDNOTIFY_MODES),
  unit: orNull(isString),
  invocationId: orNull(isString),
  phase: oneOf(PHASES),
  exitCode: orNull(isInt),
  exitSignal: orNull(isString),
  logDriver: isString,
  logPath: orNull(isString),
};
const RUNTIME: Record<string, Check> = { name: isString, path: isString, args: (v) => Array.isArray(v) && v.every(isString) };
const TIMESTAMPS: Record<string, Check> = {
  created: isString,
  started: orNull(isString),
  ready: orNull(isString),
  stopping: orNull(isString),
  exited: orNull(isString),
};
const HEALTH: Record<string, Check> = {
  status: oneOf(HEALTH_STATUSES),
  failingStreak: isInt,
  lastCheck: orNull(isString),
  lastExitCode: orNull(isInt),
  lastOutput: isString,
};
const ERROR: Record<string, Check> = { code: isString, message: isString };
const SOURCES: Record<string, Record<string, Check>> = {
  bundle: { kind: oneOf(['bundle']), path: isString },
  image: {
    kind: oneOf(['image']),
    reference: isString,
    root: isString,
    name: isString,
    manifestDigest: orNull(isString),
    indexDigest: orNull(isString),
    imageId: orNull(isString),
  },
};

/** The first field that breaks the contract, as a path ("timestamps.created"), or null. */
function badField(state: Record<string, unknown>): string | null {
  const within = (prefix: string, value: unknown, checks: Record<string, Check>): string | null => {
    if (!isObject(value)) return prefix;
    for (const [key, check] of Object.entries(checks)) if (!check(value[key])) return `${prefix}.${key}`;
    return null;
  };
  for (const [key, check] of Object.entries(TOP)) if (!check(state[key])) return key;
  if (!isObject(state.labels) || !Object.values(state.labels).every(isString)) return 'labels';
  return (
    within('runtime', state.runtime, RUNTIME) ??
    within('timestamps', state.timestamps, TIMESTAMPS) ??
    (state.health === null ? null : within('health', state.health, HEALTH)) ??
    (state.error === null ? null : within('error', state.error, ERROR)) ??
    within('source', state.source, SOURCES[(state.source as { kind?: string } | undefined)?.kind ?? ''] ?? SOURCES.bundle)
  );
}

export function readState(file: string): ContainerState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CtrmonError('ERR_STATE', `cannot read state file ${file}: ${errorMessage(err)}`, { path: file }, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CtrmonError('ERR_STATE', `state file ${file} is corrupt: ${errorMessage(err)}`, { path: file }, { cause: err });
  }
  if (!isObject(parsed)) throw new CtrmonError('ERR_STATE', `state file ${file} is corrupt: not a JSON object`, { path: file });
  // Files written before sources and start times were recorded.
  if (parsed.source === undefined && typeof parsed.bundle === 'string') parsed.source = { kind: 'bundle', path: parsed.bundle };
  if (parsed.monitorStartTime === undefined) parsed.monitorStartTime = null;
  // ... and before an image's store root was, when only root ran ctrmon: root's store.
  const source = parsed.source as Record<string, unknown> | undefined;
  if (source?.kind === 'image' && source.root === undefined) source.root = describeHost({}, 0).paths.storeRoot;
  const bad = badField(parsed);
  if (bad) throw new CtrmonError('ERR_STATE', `state file ${file} is corrupt: "${bad}" is missing or invalid`, { path: file });
  return parsed as unknown as ContainerState;
}

/** The state of the container called name, or ERR_STATE saying that ctrmon has none of that name. */
export function readContainerState(stateDir: string, name: string): ContainerState {
  const file = stateFile(stateDir, name);
  if (!existsSync(file)) throw new CtrmonError('ERR_STATE', `no container ${name} in ${stateDir} (see ctrmon ps)`, { name, path: file });
  return readState(file);
}

/** Every container with a state file under stateDir, with the files that could not be read. */
export function listStates(stateDir: string): { states: ContainerState[]; errors: CtrmonError[] } {
  const states: ContainerState[] = [];
  const errors: CtrmonError[] = [];
  let names: string[];
  try {
    names = readdirSync(stateDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return { states, errors };
  }
  for (const name of names.sort()) {
    const file = stateFile(stateDir, name);
    if (!existsSync(file)) continue;
    try {
      states.push(readState(file));
    } catch (err) {
      errors.push(err as CtrmonError);
    }
  }
  return { states, errors };
}
