// OCI bundles. The user's bundle is only read; ctrmon writes its own derived config.json (notify
// mount, environment, cgroup path, absolute rootfs) under its state directory and hands that to
// the runtime. Every validation error names the bundle and what is wrong with it.
import { mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';

/** Where the container sees its notify socket's directory (podman's choice). */
export const CONTAINER_NOTIFY_DIR = '/run/notify';
export const CONTAINER_NOTIFY_SOCKET = `${CONTAINER_NOTIFY_DIR}/notify.sock`;

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciConfig {
  ociVersion?: string;
  process: { args: string[]; env?: string[]; terminal?: boolean; [key: string]: unknown };
  root: { path: string; readonly?: boolean };
  mounts?: OciMount[];
  linux?: { cgroupsPath?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface Bundle {
  /** The bundle directory, absolute. */
  dir: string;
  config: OciConfig;
  /** The rootfs, absolute with symlinks resolved (runc refuses a symlinked rootfs). */
  rootfs: string;
}

function invalid(where: string, problem: string): CtrmonError {
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
    throw invalid(dir, 'the directory does not exist');
  }
  if (!isDir) throw invalid(dir, 'not a directory');
  const configPath = path.join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch {
    throw invalid(dir, 'config.json is missing');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalid(dir, `config.json is not valid JSON (${errorMessage(err)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(dir, 'config.json is not a JSON object');
  const config = raw as Partial<OciConfig>;
  const proc = config.process;
  if (typeof proc !== 'object' || proc === null) throw invalid(dir, 'config.json has no "process" object');
  if (proc.args !== undefined && !isStringArray(proc.args)) throw invalid(dir, 'process.args must be a list of strings');
  if (proc.env !== undefined && !isStringArray(proc.env)) throw invalid(dir, 'process.env must be a list of strings');
  if (proc.terminal === true) throw invalid(dir, 'process.terminal is true, but ctrmon runs containers without a terminal');
  if (config.mounts !== undefined && !Array.isArray(config.mounts)) throw invalid(dir, 'mounts must be a list');
  const root = config.root;
  if (typeof root !== 'object' || root === null || typeof root.path !== 'string' || root.path === '') {
    throw invalid(dir, 'root.path is missing');
  }
  const rootPath = path.resolve(dir, root.path);
  let rootfs: string;
  try {
    rootfs = realpathSync(rootPath);
  } catch {
    throw invalid(dir, `rootfs ${rootPath} does not exist`);
  }
  if (!statSync(rootfs).isDirectory()) throw invalid(dir, `rootfs ${rootPath} is not a directory`);
  return { dir, config: config as OciConfig, rootfs };
}

export interface DeriveOptions {
  /** Replaces process.args (like a command after the image in `podman run`). */
  command?: string[];
  /** KEY=VALUE entries added to process.env, replacing the same keys. */
  env: string[];
  /** Container notify mode: this host directory is bind-mounted at /run/notify. */
  notifyDir?: string;
  /** linux.cgroupsPath for the runtime; undefined keeps the bundle's. */
  cgroupsPath?: string;
}

function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

function isBindMount(m: OciMount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

/** The config ctrmon gives the runtime. The bundle's own config object is not modified. */
export function deriveConfig(bundle: Bundle, options: DeriveOptions): OciConfig {
  const config = structuredClone(bundle.config);
  if (options.command?.length) config.process.args = options.command;
  if (!config.process.args?.length) {
    throw invalid(bundle.dir, 'process.args is empty and no command was given');
  }
  const additions = [...options.env];
  if (options.notifyDir) additions.push(`NOTIFY_SOCKET=${CONTAINER_NOTIFY_SOCKET}`);
  const replaced = new Set(additions.map(envKey));
  replaced.add('NOTIFY_SOCKET'); // a bundle's own NOTIFY_SOCKET would point nowhere
  config.process.env = [...(config.process.env ?? []).filter((e) => !replaced.has(envKey(e))), ...additions];

  config.root = { ...config.root, path: bundle.rootfs };
  // Relative bind-mount sources are relative to the bundle, which the runtime no longer sees.
  config.mounts = (config.mounts ?? [])
    .filter((m) => m.destination !== CONTAINER_NOTIFY_DIR)
    .map((m) => (isBindMount(m) && m.source && !path.isAbsolute(m.source) ? { ...m, source: path.resolve(bundle.dir, m.source) } : m));
  if (options.notifyDir) {
    config.mounts.push({
      destination: CONTAINER_NOTIFY_DIR,
      type: 'bind',
      source: options.notifyDir,
      // Read-only still lets the container send to the socket; it cannot replace it.
      options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'],
    });
  }
  if (options.cgroupsPath !== undefined) config.linux = { ...config.linux, cgroupsPath: options.cgroupsPath };
  return config;
}

/** Writes config into dir/config.json (dir is created); returns dir. */
export function writeBundle(dir: string, config: OciConfig): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 });
  return dir;
}
