// OCI bundles. The user's bundle is only read; ctrmon writes its own config.json (built by the spec
// pipeline, src/spec/) under its state directory and hands that to the runtime. Every validation
// error names the bundle and what is wrong with it.
import { mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';
import type { OciConfig } from './oci';
import { RLIM_UNLIMITED, type Rlimit } from './steps/rlimits';

export interface Bundle {
  /** The bundle directory, absolute. */
  dir: string;
  config: OciConfig;
  /** The rootfs, absolute with symlinks resolved (runc refuses a symlinked rootfs). */
  rootfs: string;
}

export function invalidBundle(where: string, problem: string): CtrmonError {
  return new CtrmonError('ERR_BUNDLE_INVALID', `invalid bundle ${where}: ${problem}`, { path: where });
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Reads and checks a bundle; throws ERR_BUNDLE_INVALID naming the first problem found. */
export function loadBundle(bundleDir: string): Bundle {
  const dir = path.resolve(bundleDir);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw invalidBundle(dir, 'the directory does not exist');
  }
  if (!isDir) throw invalidBundle(dir, 'not a directory');
  const configPath = path.join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch {
    throw invalidBundle(dir, 'config.json is missing');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalidBundle(dir, `config.json is not valid JSON (${errorMessage(err)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidBundle(dir, 'config.json is not a JSON object');
  const config = raw as Partial<OciConfig>;
  const proc = config.process;
  if (typeof proc !== 'object' || proc === null) throw invalidBundle(dir, 'config.json has no "process" object');
  if (proc.args !== undefined && !isStringArray(proc.args)) throw invalidBundle(dir, 'process.args must be a list of strings');
  if (proc.env !== undefined && !isStringArray(proc.env)) throw invalidBundle(dir, 'process.env must be a list of strings');
  if (proc.terminal === true) throw invalidBundle(dir, 'process.terminal is true, but ctrmon runs containers without a terminal');
  if (config.mounts !== undefined && !Array.isArray(config.mounts)) throw invalidBundle(dir, 'mounts must be a list');
  const namespaces = config.linux?.namespaces;
  if (namespaces !== undefined && !Array.isArray(namespaces)) throw invalidBundle(dir, 'linux.namespaces must be a list');
  const root = config.root;
  if (typeof root !== 'object' || root === null || typeof root.path !== 'string' || root.path === '') {
    throw invalidBundle(dir, 'root.path is missing');
  }
  const rootPath = path.resolve(dir, root.path);
  let rootfs: string;
  try {
    rootfs = realpathSync(rootPath);
  } catch {
    throw invalidBundle(dir, `rootfs ${rootPath} does not exist`);
  }
  if (!statSync(rootfs).isDirectory()) throw invalidBundle(dir, `rootfs ${rootPath} is not a directory`);
  return { dir, config: config as OciConfig, rootfs };
}

/** RLIM_INFINITY as the runtime reads it (a uint64), which no JavaScript number holds exactly. */
const RLIM_INFINITY_TEXT = '18446744073709551615';
const INFINITY_MARK = '\u0000rlim-infinity';

/** The config's JSON: an unlimited rlimit (RLIM_UNLIMITED, or a bundle's 2^64-1 read as a double) written as 2^64-1 exactly. */
export function configJson(config: OciConfig): string {
  const json = JSON.stringify(
    config,
    function (this: unknown, key, value) {
      const rlimit = (key === 'soft' || key === 'hard') && typeof value === 'number' && typeof (this as Rlimit).type === 'string';
      return rlimit && (value === RLIM_UNLIMITED || value >= 2 ** 64 - 1) ? INFINITY_MARK : value;
    },
    2,
  );
  return json.replaceAll(JSON.stringify(INFINITY_MARK), RLIM_INFINITY_TEXT);
}

/** Writes config into dir/config.json (dir is created); returns dir. */
export function writeBundle(dir: string, config: OciConfig): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(path.join(dir, 'config.json'), `${configJson(config)}\n`, { mode: 0o644 });
  return dir;
}
